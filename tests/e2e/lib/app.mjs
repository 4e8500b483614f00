// Builds the test app the way a user would: `npm pack` the SDK, `npm install` the tarball into
// a fresh app, paste the <head> snippet, and `vite build` with no plugin.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { e2eDir, sdkDir } from './paths.mjs';

/**
 * `production: true` builds as a user ships: minified, with source maps, into `app/dist`
 * (so that the maps' sources read `src/main.js`).
 */
export async function buildApp({ production = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'monitor-e2e-app-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: sdkDir, encoding: 'utf8' }),
  );
  const tarball = join(work, packed[0].filename);
  const appDir = join(work, 'app');
  cpSync(join(e2eDir, 'app'), appDir, { recursive: true });
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'e2e-app', private: true, type: 'module', dependencies: { '@org/monitor-sdk': `file:${tarball}` } }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: appDir,
    stdio: 'inherit',
  });
  const snippet = readFileSync(join(appDir, 'node_modules', '@org', 'monitor-sdk', 'dist', 'snippet.js'), 'utf8').trim();
  const indexPath = join(appDir, 'index.html');
  writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('/* MONITOR_SNIPPET */', snippet));
  const outDir = production ? join(appDir, 'dist') : join(work, 'dist');
  // Otherwise minify off, so that a test can find the throwing lines in the built file.
  await build({
    root: appDir,
    logLevel: 'warn',
    build: { outDir, minify: production, sourcemap: production, emptyOutDir: true },
  });
  return { outDir, appDir, tarball };
}
