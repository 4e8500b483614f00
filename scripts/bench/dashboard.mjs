// The dashboard's weight and load time, printed as figures (not a test):
//   size:  gzip bytes of dashboard/dist's JS and CSS (what a browser downloads);
//   load:  a release collector seeded with dashboard/scripts/seed.mjs (150 sessions over
//          24 h), each view opened BENCH_RUNS times (10) in a fresh headless Chromium page;
//          ms from navigation start until the view's key number is on screen (p50, max).
//
//   node scripts/bench/dashboard.mjs
// Needs `pnpm --filter monitor-dashboard build` and `cargo build --release -p monitor-collector`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../../tests/e2e/lib/browser.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(repo, 'dashboard', 'dist');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

for (const ext of ['js', 'css']) {
  const files = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith(`.${ext}`));
  const raw = files.reduce((n, f) => n + readFileSync(join(dist, 'assets', f)).length, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, 'assets', f)), { level: 9 }).length, 0);
  console.log(`size ${ext.padEnd(3)} ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip (${files.length} file)`);
}

const child = spawn(join(repo, 'target', 'release', 'monitor-collector'), [], {
  env: { ...process.env, RUST_LOG: 'warn', MONITOR_LISTEN: '127.0.0.1:0', MONITOR_API_OPEN_ON_LOOPBACK: '1',
    MONITOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'monitor-bench-dash-')), MONITOR_DASHBOARD_DIR: dist },
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => child.kill('SIGKILL'));
const url = await new Promise((resolve) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = line.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
});
execFileSync('node', [join(repo, 'dashboard', 'scripts', 'seed.mjs'), '--url', url, '--sessions', '150'], { stdio: 'ignore' });

const VIEWS = [
  ['overview', '#/overview?project=1', 'kpi-page_views'],
  ['vitals', '#/vitals?project=1', 'vitals-score'],
  ['issues', '#/issues?project=1', 'issue-row'],
  ['behaviour', '#/behaviour?project=1', 'top-page'],
];
const browser = await launchChromium();
for (const [name, route, testid] of VIEWS) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/dashboard/${route}`);
    await page.getByTestId(testid).first().waitFor();
    times.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  times.sort((a, b) => a - b);
  console.log(`load ${name.padEnd(10)} p50 ${times[Math.floor(times.length / 2)].toFixed(0)} ms  max ${times.at(-1).toFixed(0)} ms`);
}
await browser.close();
child.kill('SIGTERM');
