// Builds the npm package into dist/: the Rust SDK compiled to wasm, processed by the pinned
// wasm-bindgen and wasm-opt, with the loader, types and <head> snippet beside it.
//
//   node scripts/build.mjs          (from npm/monitor-sdk, or `pnpm --filter @org/monitor-sdk build`)
//
// wasm-bindgen must be exactly the version the crate pins (the CLI and the crate share a
// wire format); scripts/setup.sh at the repository root installs it.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
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
// Panic locations name their source files; dependencies' absolute registry paths would ship
// in the wasm (and differ between machines), so they are shortened.
const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
// core and alloc are rebuilt from source (rustup's rust-src) with the `immediate-abort` panic
// strategy: a panic then compiles to a trap at its call site. With the prebuilt core, every
// bounds check and `RefCell` borrow still builds a `fmt::Arguments` with its message, its
// source location and pointers to `Display` impls, which keeps `core::fmt` in the wasm
// although the panic handler never formats: 1.7 KiB gzip. Both switches are unstable, hence
// RUSTC_BOOTSTRAP on the stable toolchain (no nightly to pin); they touch only this build.
const rustflags = [
  process.env.RUSTFLAGS,
  `--remap-path-prefix=${join(cargoHome, 'registry', 'src')}=~`,
  '-Zunstable-options',
  '-Cpanic=immediate-abort',
  // Without reference types wasm-bindgen keeps the page's objects in a JS array instead of
  // an externref table managed from the wasm: 0.5 KiB gzip less across wasm and glue.
  '-Ctarget-feature=-reference-types',
  // No `{:?}` output and no panic locations: neither can be seen from a trap.
  '-Zfmt-debug=none',
  '-Zlocation-detail=none',
]
  .filter(Boolean)
  .join(' ');
const wasmTarget = join(process.env.CARGO_TARGET_DIR || join(repoDir, 'target'), 'wasm-sdk');
run(
  'cargo',
  ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'monitor-sdk-browser', '-Zbuild-std=core,alloc'],
  // Its own target dir: other flags than the workspace's builds, so neither rebuilds the other.
  { env: { ...process.env, RUSTFLAGS: rustflags, RUSTC_BOOTSTRAP: '1', CARGO_TARGET_DIR: wasmTarget } },
);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
run('wasm-bindgen', [
  '--target',
  'web',
  '--no-typescript',
  '--out-dir',
  dist,
  '--out-name',
  'monitor_sdk',
  join(wasmTarget, 'wasm32-unknown-unknown', 'release', 'monitor_sdk_browser.wasm'),
]);
const wasm = join(dist, 'monitor_sdk_bg.wasm');
const features = execFileSync(bin('wasm-opt'), ['--print-features', wasm], { encoding: 'utf8' }).split('\n').filter(Boolean);
pruneClosureShims(wasm, features);
run(bin('wasm-opt'), [...features, '-Oz', '--converge', '--low-memory-unused', wasm, '-o', wasm]);

// js-sys describes every import it declares, and the descriptions of those that take a JS
// callback (`Array.forEach`, `Promise.then`, typed arrays' iterators, the JSPI task waker)
// take the address of a Rust shim. wasm-bindgen removes the descriptions but the shims stay
// in the function table, where wasm-opt must keep them (any `call_indirect` might reach
// them), with what they call: 0.6 KiB gzip the SDK never runs, since it makes no closures.
// Their table slots are pointed at one of them, and the rest is removed as dead code. Should
// the SDK ever create a closure, the glue would carry closure support, and this fails.
function pruneClosureShims(file, featureFlags) {
  const glueText = readFileSync(join(dist, 'monitor_sdk.js'), 'utf8');
  if (/closure/i.test(glueText)) throw new Error('the glue supports closures: the shims are live, do not prune');
  const text = execFileSync(bin('wasm-dis'), [file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const isShim = (name) => name.includes('::convert::closures::') || name.includes('::futures::jspi::');
  let pruned = 0;
  const out = text.split('\n').map((line) => {
    if (!line.trimStart().startsWith('(elem ')) return line;
    const names = line.match(/\$"[^"]*"|\$[^\s()]+/g) || [];
    const [keep, ...rest] = names.filter(isShim);
    for (const name of rest) {
      line = line.replace(' ' + name, ' ' + keep);
      pruned++;
    }
    return line;
  });
  if (pruned === 0) throw new Error('no closure shims found in the function table; update pruneClosureShims');
  const wat = file + '.wat';
  writeFileSync(wat, out.join('\n'));
  execFileSync(bin('wasm-as'), [...featureFlags, wat, '-o', file]);
  rmSync(wat);
}

// Import, export and import-module names: wasm-bindgen's are long and hashed
// (`./monitor_sdk_bg.js` / `__wbg___wbindgen_string_get_7ce8eee7fd327545`) and appear in both
// the wasm and the glue; one or two letters save about 0.8 KiB gzip. wasm-opt prints the
// mapping (the single import module becomes "a"), and the glue is rewritten to match; a name
// the rewrite misses fails the build here, not in a browser.
const glue = join(dist, 'monitor_sdk.js');
// (--strip-*: those sections are for tools, not for the browser. The features are passed
// explicitly: the pruned module's text round trip has dropped the section naming them.)
const mapping = JSON.parse(
  execFileSync(
    bin('wasm-opt'),
    [...features, '--minify-imports-and-exports-and-modules', '--strip-target-features', '--strip-producers', wasm, '-o', wasm],
    { encoding: 'utf8' },
  ),
);
let glueText = readFileSync(glue, 'utf8');
// The loader calls `initSync({ module })` only, never with the legacy argument this warns about.
const legacyWarning = "console.warn('using deprecated parameters for `initSync()`; pass a single object instead')";
if (glueText.split(legacyWarning).length !== 2) throw new Error('initSync legacy warning not found once in the glue');
glueText = glueText.replace(legacyWarning, '0');
// A fallback for browsers without `TextEncoder.encodeInto` (Safari before 14.1, 2021), which
// the SDK does not support (docs/sdk.md).
const encodeIntoFallback = /\nif \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[\s\S]*?\n\}\n/;
if (!encodeIntoFallback.test(glueText)) throw new Error('encodeInto fallback not found in the glue');
glueText = glueText.replace(encodeIntoFallback, '\n');
const moduleKey = '"./monitor_sdk_bg.js":';
if (glueText.split(moduleKey).length !== 2) throw new Error('import module key not found once in the glue');
glueText = glueText.replace(moduleKey, '"a":');
for (const [, from, to] of mapping.imports) {
  const pattern = new RegExp(`\\b${from}\\b`, 'g');
  if (!pattern.test(glueText)) throw new Error(`import ${from} not found in the glue`);
  glueText = glueText.replace(pattern, to);
}
for (const [from, to] of mapping.exports) {
  glueText = glueText.replace(new RegExp(`\\bwasm\\.${from}\\b`, 'g'), `wasm.${to}`);
}
const leftover = mapping.exports.find(([from]) => new RegExp(`\\bwasm\\.${from}\\b`).test(glueText));
if (leftover) throw new Error(`export ${leftover[0]} still referenced by its old name`);
const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm))).map((i) => i.module));
if (modules.size !== 1 || !modules.has('a')) throw new Error(`wasm imports from ${[...modules]}, expected "a"`);
writeFileSync(glue, glueText);

// One minified ES module: the loader (src/*.js, one module per concern) with the
// wasm-bindgen glue bundled in. One file is one request and one gzip stream, and the package
// is measured as shipped. The loader imports './monitor_sdk.js', so it is bundled from a copy
// beside the glue.
const staging = join(dist, 'loader');
mkdirSync(staging);
for (const name of readdirSync(join(pkgDir, 'src'))) {
  if (name.endsWith('.js') && name !== 'snippet.js') copyFileSync(join(pkgDir, 'src', name), join(staging, name));
}
copyFileSync(glue, join(staging, 'monitor_sdk.js'));
await build({
  entryPoints: [join(staging, 'index.js')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'none',
});
rmSync(staging, { recursive: true });
rmSync(glue);
copyFileSync(join(pkgDir, 'src', 'index.d.ts'), join(dist, 'index.d.ts'));
writeFileSync(join(dist, 'snippet.js'), readFileSync(join(pkgDir, 'src', 'snippet.js'), 'utf8').trim() + '\n');
console.log(`built ${dist}`);
