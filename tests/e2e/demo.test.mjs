// The README's first command as a new user meets it: `scripts/demo.sh` (with the debug
// collector, to skip a release build) on a fresh data directory. Its collector's `/` must
// open on the dashboard with the demo traffic in it, read without a token (loopback), and
// clicks on the demo page must reach the dashboard. Run again on the same data directory,
// it must not send the demo traffic a second time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { repoDir } from './lib/paths.mjs';

const dataDir = mkdtempSync(join(tmpdir(), 'monitor-e2e-demo-'));
let browser;
let demo;

/** Runs scripts/demo.sh until it says where to look; returns the URL and its output. */
async function startDemo() {
  const env = { ...process.env, MONITOR_DEMO_PROFILE: 'debug', MONITOR_LISTEN: '127.0.0.1:0', MONITOR_DATA_DIR: dataDir };
  delete env.MONITOR_API_TOKEN;
  delete env.MONITOR_CONFIG;
  // A process group of its own, so that stopping it stops the collector it started.
  const child = spawn('bash', [join(repoDir, 'scripts', 'demo.sh')], { cwd: repoDir, env, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const output = [];
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = line.match(/^\[demo\] open (http:\/\/\S+)\/dashboard\//);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`demo.sh exited with ${code}:\n${output.join('\n')}`)));
  });
  return {
    url,
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGINT');
      await exited;
    },
  };
}

async function api(path) {
  const res = await fetch(`${demo.url}/api/1${path}`);
  assert.equal(res.status, 200, `${path} without a token, on loopback: ${await res.clone().text()}`);
  return res.json();
}

before(async () => {
  browser = await launchChromium();
  demo = await startDemo();
}, { timeout: 600000 });

after(async () => {
  await demo?.stop();
  await browser?.close();
});

test('the demo opens on the dashboard with its demo traffic in it', async () => {
  assert.ok(demo.output.some((l) => /^seeded \d+ events/.test(l)), demo.output.join('\n'));
  const page = await browser.newPage();
  await page.goto(`${demo.url}/`);
  await page.waitForURL(/\/dashboard\//);
  const kpi = page.getByTestId('kpi-page_views');
  await kpi.waitFor();
  const view = page.locator('[data-testid^="view-"]').first();
  const [from, to] = [await view.getAttribute('data-from'), await view.getAttribute('data-to')];
  const overview = await api(`/overview?from=${from}&to=${to}`);
  assert.ok(overview.totals.page_views.value > 50, `a day of demo traffic: ${overview.totals.page_views.value}`);
  assert.equal(JSON.parse(await kpi.getAttribute('data-value')), overview.totals.page_views.value);
  assert.equal(await page.getByTestId('token-prompt').count(), 0, 'no token asked on loopback');
  await page.close();
});

test('clicks on the demo page reach the dashboard', async () => {
  const site = await browser.newPage();
  await site.goto(`${demo.url}/demo/`);
  await site.getByText('SDK running').waitFor();
  await site.click('#throw');
  await site.click('#track');
  await site.click('#flush');
  const issue = await waitFor(async () => (await api('/issues?status=all&limit=100')).issues
    .find((i) => i.title.includes('demo error from a button')), { what: 'the demo error to become an issue' });
  const dash = await browser.newPage();
  await dash.goto(`${demo.url}/dashboard/#/issues?project=1&release=demo@1`);
  const row = dash.locator(`[data-testid="issue-row"][data-fingerprint="${issue.fingerprint}"]`);
  await row.waitFor();
  assert.ok((await row.textContent()).includes('demo error from a button'));
  await site.close();
  await dash.close();
});

test('run again on the same data, the demo sends no second day of traffic', async () => {
  const range = `from=${Date.now() - 2 * 86400e3}&to=${Date.now() + 60000}`;
  const before = (await api(`/overview?${range}`)).totals.page_views.value;
  await demo.stop();
  demo = await startDemo();
  assert.ok(demo.output.some((l) => l.includes('has events already')), demo.output.join('\n'));
  assert.equal((await api(`/overview?${range}`)).totals.page_views.value, before);
});
