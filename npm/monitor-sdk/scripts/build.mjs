// Builds the npm package into dist/: the Rust SDK compiled to wasm, processed by the pinned
// wasm-bindgen and wasm-opt, with the loader, types and <head> snippet beside it.
//
//   node scripts/build.mjs          (from npm/monitor-sdk, or `pnpm --filter @org/monitor-sdk build`)
//
// wasm-bindgen must be exactly the version the crate pins (the CLI and the crate share a
// wire format); scripts/setup.sh at the repository root installs it.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WASM_BINDGEN_VERSION = '0.2.130';
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(pkgDir, '..', '..');
const dist = join(pkgDir, 'dist');
const bin = (name) => join(pkgDir, 'node_modules', '.bin', name);

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: repoDir, ...opts });
}

function checkWasmBindgen() {
  let version = '';
  try {
    version = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`wasm-bindgen not found; run scripts/setup.sh (needs ${WASM_BINDGEN_VERSION})`);
  }
  if (!version.endsWith(` ${WASM_BINDGEN_VERSION}`)) {
    throw new Error(`${version} found, ${WASM_BINDGEN_VERSION} required; run scripts/setup.sh`);
  }
}

checkWasmBindgen();
run('cargo', [
  'build',
  '--release',
  '--target',
  'wasm32-unknown-unknown',
  '-p',
  'monitor-sdk-browser',
]);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const targetDir = process.env.CARGO_TARGET_DIR || join(repoDir, 'target');
run('wasm-bindgen', [
  '--target',
  'web',
  '--no-typescript',
  '--out-dir',
  dist,
  '--out-name',
  'monitor_sdk',
  join(targetDir, 'wasm32-unknown-unknown', 'release', 'monitor_sdk_browser.wasm'),
]);
const wasm = join(dist, 'monitor_sdk_bg.wasm');
// --strip-*: the sections are for tools, not for the browser.
run(bin('wasm-opt'), [
  '-Oz',
  '--converge',
  '--low-memory-unused',
  '--strip-target-features',
  '--strip-producers',
  wasm,
  '-o',
  wasm,
]);

// One minified ES module: the loader with the wasm-bindgen glue bundled in. One file is one
// request and one gzip stream, and the package is measured as shipped.
// The loader imports './monitor_sdk.js', so it is bundled from a copy beside the glue.
copyFileSync(join(pkgDir, 'src', 'index.js'), join(dist, 'loader.js'));
await build({
  entryPoints: [join(dist, 'loader.js')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'none',
});
rmSync(join(dist, 'loader.js'));
rmSync(join(dist, 'monitor_sdk.js'));
copyFileSync(join(pkgDir, 'src', 'index.d.ts'), join(dist, 'index.d.ts'));
writeFileSync(join(dist, 'snippet.js'), readFileSync(join(pkgDir, 'src', 'snippet.js'), 'utf8').trim() + '\n');
console.log(`built ${dist}`);
