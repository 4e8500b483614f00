// Prints the SDK's size as a page downloads it: each runtime file of the packed tarball,
// gzipped at level 9, and their total. Fails when the total is over the budget.
//
//   node scripts/size.mjs        (after scripts/build.mjs)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Errors, transport and scope fit in 24 KiB; web vitals (issue 3) add about 12.4 KiB (see
// docs/sdk.md). The budget keeps a little room, not a lot: every change is measured.
// Issue 9's capture paths were allowed 5 KiB; they fit after the build found the rest
// (docs/sdk.md: core rebuilt with immediate-abort panics, no reference types, dead closure
// shims pruned, the glue's async loader replaced).
const BUDGET_BYTES = 43 * 1024;
// The SDK a page loads: the loader (with the wasm-bindgen glue bundled in) and the wasm.
const RUNTIME_FILES = ['dist/index.js', 'dist/monitor_sdk_bg.wasm'];
// The optional <head> snippet, inlined by apps that want errors from before their bundle;
// printed, but outside the budget, which covers wasm + glue + loader.
const OPTIONAL_FILES = ['dist/snippet.js'];

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'monitor-size-'));
try {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkgDir, encoding: 'utf8' }),
  );
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
  let total = 0;
  console.log('file                          raw      gzip');
  for (const file of RUNTIME_FILES) {
    const bytes = readFileSync(join(work, 'package', file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    total += gz;
    console.log(`${file.padEnd(28)}${String(bytes.length).padStart(7)}${String(gz).padStart(10)}`);
  }
  for (const file of OPTIONAL_FILES) {
    const bytes = readFileSync(join(work, 'package', file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    console.log(`${file.padEnd(28)}${String(bytes.length).padStart(7)}${String(gz).padStart(10)}  (optional, not in the total)`);
  }
  const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
  console.log(`total gzip: ${total} bytes (${(total / 1024).toFixed(2)} KiB), ${verdict} the ${BUDGET_BYTES / 1024} KiB budget`);
  if (total > BUDGET_BYTES) process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
