// The dashboard as a user meets it: a collector filled with real SDK traffic (the test app,
// built for production with its source maps uploaded, opened in Chromium), then the
// dashboard (`dashboard/dist`, served by the collector at /dashboard/) in Chromium. Each
// view's numbers must equal what the API answers for the same range and filters; the live
// counter must move when new events arrive; filters must change the URL and the numbers;
// resolve / ignore must change the issue; the issue page must show the symbolicated frame.
// Screenshots of every view, at 1280 px and at a phone's width, go to
// target/e2e-artifacts/dashboard/.
//
// With DASHBOARD_E2E_MODE=kafka (dashboard-kafka.test.mjs) the same tests run on the
// production path: the collector in Kafka mode, the consume role writing into ClickHouse
// and counting into Redis, the read API answering from ClickHouse and Redis.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './lib/app.mjs';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { API_TOKEN, collectorBin, startCollector, startConsumer } from './lib/collector.mjs';
import { repoDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';

const DASHBOARD = join(repoDir, 'dashboard', 'dist');
const KAFKA_MODE = process.env.DASHBOARD_E2E_MODE === 'kafka';
const SHOTS = join(repoDir, 'target', 'e2e-artifacts', KAFKA_MODE ? 'dashboard-kafka' : 'dashboard');
const MESSAGE = 'uncaught error after ready';

let app;
let site;
let browser;
let collector;
let consumer;
let context;
let dash;
let hook;
const notifications = [];

before(async () => {
  assert.ok(existsSync(join(DASHBOARD, 'index.html')), 'build it first: pnpm --filter monitor-dashboard build');
  mkdirSync(SHOTS, { recursive: true });
  app = await buildApp({ production: true });
  site = await serveDir(app.outDir);
  browser = await launchChromium();
  // A webhook receiver, and an alert rule that the visits' errors cross.
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { notifications.push(JSON.parse(body)); res.end(); });
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const config = join(mkdtempSync(join(tmpdir(), 'monitor-e2e-alerts-')), 'collector.toml');
  writeFileSync(config, `[alerts]\nevaluate_every_secs = 1\n[[alerts.rules]]\nname = "any error"\nproject = 1\n`
    + `kind = "error_count"\nthreshold = 0\nwindow_minutes = 60\nwebhook = "http://127.0.0.1:${hook.address().port}/"\n`);
  const env = { MONITOR_DASHBOARD_DIR: DASHBOARD, MONITOR_CONFIG: config, ...(KAFKA_MODE ? productionPath() : {}) };
  collector = await startCollector(env);
  if (KAFKA_MODE) consumer = startConsumer(env);
  execFileSync(collectorBin(), ['sourcemaps', 'upload', '--release', 'e2e-app@1.0.0', '--url-prefix', '~/assets',
    '--server', collector.url, '--token', API_TOKEN, join(app.outDir, 'assets')]);
  for (let i = 0; i < 3; i++) await visitApp();
  await waitFor(async () => (await collector.events()).filter((e) => e.type === 'page_view').length >= 3, {
    what: 'the page views of three visits',
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  dash = await context.newPage();
});

after(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
  await collector?.stop();
  await consumer?.stop();
  hook?.close();
});

/** The environment of a collector and consumer on the local broker, ClickHouse and Redis,
 * with a topic, database and key prefix of this run's own. */
function productionPath() {
  execFileSync('bash', [join(repoDir, 'scripts', 'services.sh'), 'start', 'all'], { stdio: 'inherit' });
  const suffix = `${process.pid}_${Date.now()}`;
  return {
    MONITOR_KAFKA_BROKERS: '127.0.0.1:9092',
    MONITOR_KAFKA_TOPIC: `e2e-dashboard-${suffix}`,
    MONITOR_KAFKA_DEAD_LETTER_TOPIC: `e2e-dashboard-dead-${suffix}`,
    MONITOR_CLICKHOUSE_URL: 'http://127.0.0.1:8123',
    MONITOR_CLICKHOUSE_DATABASE: `e2e_dashboard_${suffix}`,
    MONITOR_REDIS_URL: 'redis://127.0.0.1:6379',
    MONITOR_REDIS_KEY_PREFIX: `e2e-dashboard-${suffix}`,
  };
}

/** One visit of the test app: page view, vitals, errors, custom events; flushed on close. */
async function visitApp() {
  const page = await browser.newPage();
  const dsn = `http://demo-public-key@${new URL(collector.url).host}/1`;
  await page.goto(`${site.url}/?${new URLSearchParams({ dsn })}`);
  await waitFor(() => page.evaluate(() => window.__done === true), { what: 'the app to finish' });
  await page.close({ runBeforeUnload: true });
}

async function api(path) {
  const res = await fetch(`${collector.url}/api/1${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

/** Opens a dashboard route and waits for its view; returns the range it asked about. */
async function open(route) {
  await dash.goto(`${collector.url}/dashboard/#${route}`);
  const view = dash.locator('[data-testid^="view-"]');
  await view.first().waitFor();
  await dash.locator('[data-testid="loading"]').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
  return { from: await view.first().getAttribute('data-from'), to: await view.first().getAttribute('data-to') };
}

/** The raw API value a number element carries. */
async function value(testid) {
  const el = dash.getByTestId(testid).first();
  await el.waitFor();
  return JSON.parse(await el.getAttribute('data-value'));
}

async function shoot(name) {
  await dash.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true });
  await dash.setViewportSize({ width: 390, height: 844 });
  await dash.screenshot({ path: join(SHOTS, `${name}-390.png`), fullPage: true });
  await dash.setViewportSize({ width: 1280, height: 800 });
}

test('without the token nothing is shown; with it the overview equals the API', async () => {
  await dash.goto(`${collector.url}/dashboard/#/overview?project=1`);
  await dash.getByTestId('token-prompt').waitFor();
  assert.equal(await dash.getByTestId('kpi-page_views').count(), 0, 'no numbers before the token');
  await dash.getByTestId('token-input').fill(API_TOKEN);
  await dash.getByTestId('token-save').click();
  const range = await open('/overview?project=1');
  const overview = await api(`/overview?from=${range.from}&to=${range.to}`);
  for (const key of ['page_views', 'unique_visitors', 'sessions', 'bounce_rate', 'error_rate']) {
    assert.deepEqual(await value(`kpi-${key}`), overview.totals[key].value, key);
    assert.deepEqual(await value(`kpi-previous-${key}`), overview.totals[key].previous, `${key} previous`);
  }
  assert.ok(overview.totals.page_views.value >= 3, 'the visits are in');
  for (const { type, value: count } of overview.events_by_type) {
    assert.deepEqual(await value(`kpi-type-${type}`), count, type);
  }
  await shoot('overview');
});

test('the live counter moves when new events arrive', async () => {
  await open('/overview?project=1');
  const live = dash.getByTestId('live-total');
  await waitFor(async () => (await live.getAttribute('data-value')) !== 'null', { what: 'the first tick' });
  const before = JSON.parse(await live.getAttribute('data-value'));
  assert.equal(before, (await api('/live/counters')).total);
  await visitApp();
  const moved = await waitFor(async () => {
    const now = JSON.parse(await live.getAttribute('data-value'));
    return now > before && now;
  }, { what: 'the live total to move' });
  await waitFor(async () => JSON.parse(await live.getAttribute('data-value')) === (await api('/live/counters')).total, {
    what: 'the live total to settle on the API counter',
  });
  assert.ok(moved > before);
  assert.ok(await dash.getByTestId('live-chart').locator('canvas').count() >= 1, 'the chart is drawn');
});

test('filters go into the URL and change the numbers', async () => {
  await open('/overview?project=1');
  await dash.getByTestId('filter-release').fill('no-such-release');
  await dash.getByTestId('filter-release').press('Enter');
  await waitFor(async () => dash.url().includes('release=no-such-release'), { what: 'the URL to carry the filter' });
  const view = dash.locator('[data-testid^="view-"]').first();
  await view.waitFor();
  await waitFor(async () => (await value('kpi-page_views')) === 0, { what: 'the filtered overview' });
  const from = await view.getAttribute('data-from');
  const to = await view.getAttribute('data-to');
  const filtered = await api(`/overview?from=${from}&to=${to}&release=no-such-release`);
  assert.equal(filtered.totals.page_views.value, 0);
  // A shared link opens with the same filter.
  const other = await context.newPage();
  await other.goto(dash.url());
  assert.equal(await other.getByTestId('filter-release').inputValue(), 'no-such-release');
  await other.close();
  await open('/overview?project=1&release=e2e-app@1.0.0');
  assert.ok((await value('kpi-page_views')) >= 3);
});

test('issues: the list equals the API, resolve and ignore change the status', async () => {
  const range = await open('/issues?project=1&status=all');
  const listed = await api(`/issues?from=${range.from}&to=${range.to}&status=all&limit=100`);
  const rows = dash.getByTestId('issue-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), listed.issues.length);
  const issue = listed.issues.find((i) => i.title.includes(MESSAGE));
  assert.ok(issue, `an issue for "${MESSAGE}"`);
  const row = dash.locator(`[data-testid="issue-row"][data-fingerprint="${issue.fingerprint}"]`);
  assert.deepEqual(JSON.parse(await row.getByTestId('issue-count').getAttribute('data-value')), issue.count);
  assert.deepEqual(JSON.parse(await row.getByTestId('issue-users').getAttribute('data-value')), issue.users);
  await shoot('issues');
  await row.getByTestId('resolve-button').click();
  await waitFor(async () => (await api(`/issues/${issue.fingerprint}`)).status === 'resolved', { what: 'resolved' });
  await waitFor(async () => (await row.getByTestId('issue-status').textContent()) === 'resolved', { what: 'the badge' });
  await row.getByTestId('ignore-button').click();
  await waitFor(async () => (await api(`/issues/${issue.fingerprint}`)).status === 'ignored', { what: 'ignored' });
});

test('the issue page shows the symbolicated stack, its source and the breadcrumbs', async () => {
  const { issues } = await api('/issues?status=all&limit=100');
  const issue = issues.find((i) => i.title.includes(MESSAGE));
  await open(`/issues/${issue.fingerprint}?project=1`);
  const inApp = dash.locator('[data-testid="frame"][data-in-app="true"]');
  await inApp.first().waitFor();
  const texts = await inApp.allTextContents();
  assert.ok(texts.some((t) => t.includes('src/main.js') && t.includes('throwAfterReady')), texts.join('\n'));
  assert.ok(await dash.getByTestId('frame-context').count() >= 1, 'source context from sourcesContent');
  assert.ok(await dash.getByTestId('frame-minified').count() >= 1, 'the minified position is shown too');
  const detail = await api(`/issues/${issue.fingerprint}`);
  assert.equal(await dash.getByTestId('breadcrumb').count(), (detail.latest_event.breadcrumbs || []).length);
  await shoot('issue');
});

test('web vitals and behaviour equal the API', async () => {
  let range = await open('/vitals?project=1');
  const vitals = await api(`/vitals?from=${range.from}&to=${range.to}`);
  assert.deepEqual(await value('vitals-score'), vitals.score.score);
  // The five the score is made of; FP and TBT stay in the API.
  const shown = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];
  const reported = vitals.metrics.filter((m) => m.count > 0 && shown.includes(m.name));
  assert.ok(reported.length >= 2, 'the visits reported vitals');
  for (const metric of reported) {
    assert.deepEqual(await value(`vital-p75-${metric.name}`), metric.p75, metric.name);
  }
  // Attribution from the API's aggregate: the app's LCP element is there, with its count.
  const lcpTargets = vitals.attribution.filter((a) => a.name === 'LCP');
  assert.ok(lcpTargets.length >= 1, `the app's LCP element: ${JSON.stringify(vitals.attribution)}`);
  const lcpRows = dash.getByTestId('attribution-LCP').getByTestId('attribution-row');
  assert.equal(await lcpRows.count(), lcpTargets.length);
  assert.equal(await lcpRows.first().getAttribute('data-target'), lcpTargets[0].target);
  assert.deepEqual(JSON.parse(await lcpRows.first().getByTestId('attribution-count').getAttribute('data-value')), lcpTargets[0].count);
  await shoot('vitals');
  // The device switch is the shared device filter: the URL carries it, and the numbers
  // are that device's (headless Chromium is a desktop; there are no phones).
  await dash.getByTestId('vitals-device-desktop').click();
  await waitFor(async () => dash.url().includes('device=desktop'), { what: 'the URL to carry the device' });
  range = await open(dash.url().split('#')[1]);
  const desktop = await api(`/vitals?from=${range.from}&to=${range.to}&device=desktop`);
  assert.deepEqual(await value('vitals-score'), desktop.score.score);
  assert.equal(desktop.metrics.find((m) => m.name === 'LCP').count, vitals.metrics.find((m) => m.name === 'LCP').count);
  range = await open('/vitals?project=1&device=mobile');
  const mobile = await api(`/vitals?from=${range.from}&to=${range.to}&device=mobile`);
  assert.ok(mobile.metrics.every((m) => m.count === 0), 'no phone visited');
  assert.equal(await value('vital-p75-LCP'), null, 'no LCP shown for phones');
  assert.equal(await dash.getByTestId('vital-value-LCP').count(), 0);
  range = await open('/behaviour?project=1');
  const behaviour = await api(`/behaviour?from=${range.from}&to=${range.to}`);
  const pages = await dash.getByTestId('top-page').evaluateAll((rows) => rows.map((r) => r.dataset.page));
  assert.deepEqual(pages, behaviour.pages_by_views.map((e) => e.name));
  const { sessions } = await api(`/sessions?from=${range.from}&to=${range.to}&limit=20`);
  const sessionRows = dash.getByTestId('session-row');
  await sessionRows.first().waitFor();
  assert.deepEqual(await sessionRows.evaluateAll((rows) => rows.map((r) => r.dataset.session)), sessions.map((x) => x.session_id));
  assert.deepEqual(JSON.parse(await sessionRows.first().getByTestId('session-views').getAttribute('data-value')), sessions[0].page_views);
  await shoot('behaviour');
});

test('alerts: the rule the errors crossed is firing, and its notification is in the history', async () => {
  await waitFor(() => notifications.some((n) => n.state === 'firing'), { what: 'the webhook to be called' });
  await open('/alerts?project=1');
  const rules = await api('/alerts');
  const row = dash.locator('[data-testid="alert-rule"][data-name="any error"]');
  await row.waitFor();
  assert.equal(JSON.parse(await row.getByTestId('alert-state').getAttribute('data-value')), rules.rules[0].state);
  assert.equal(rules.rules[0].state, 'firing');
  const { history } = await api('/alerts/history');
  assert.equal(await dash.getByTestId('alert-history-row').count(), history.length);
  assert.equal(JSON.parse(await dash.getByTestId('alert-delivery').first().getAttribute('data-value')), true);
  assert.equal(notifications.filter((n) => n.state === 'firing').length, 1, 'fired once');
  // The Test button reaches the webhook and says so.
  await row.getByTestId('alert-test').click();
  await waitFor(async () => (await row.getByTestId('alert-test-result').getAttribute('data-value')) === 'true', {
    what: 'the test notification to be delivered',
  });
  assert.ok(notifications.some((n) => n.rule === 'any error' && n.state === 'test'));
  await shoot('alerts');
});

test('alerts: a rule made in the form is saved, checked by the collector, fires, and can be deleted', async () => {
  await open('/alerts?project=1');
  const form = dash.getByTestId('rule-form');
  await form.getByTestId('rule-name').fill('errors from the form');
  await form.getByTestId('rule-kind').selectOption('vital_p75');
  assert.ok(await form.getByTestId('rule-vital').isVisible(), 'a vital rule asks which vital');
  await form.getByTestId('rule-kind').selectOption('error_count');
  assert.ok(!(await form.getByTestId('rule-vital').isVisible()));
  await form.getByTestId('rule-threshold').fill('0');
  await form.getByTestId('rule-window_minutes').fill('60');
  // A URL the browser takes but the collector refuses: its reason is shown, nothing saved.
  await form.getByTestId('rule-webhook').fill('ftp://hooks.example/');
  await form.getByTestId('rule-submit').click();
  await dash.getByTestId('rule-status').getByText('webhook must be an http(s) URL').waitFor();
  assert.equal((await api('/alerts')).rules.length, 1);

  await form.getByTestId('rule-webhook').fill(`http://127.0.0.1:${hook.address().port}/form`);
  await form.getByTestId('rule-submit').click();
  const row = dash.locator('[data-testid="alert-rule"][data-name="errors from the form"]');
  await row.waitFor();
  const saved = (await api('/alerts')).rules.find((r) => r.name === 'errors from the form');
  assert.deepEqual([saved.kind, saved.threshold, saved.window_minutes, saved.source], ['error_count', 0, 60, 'api']);
  await waitFor(() => notifications.some((n) => n.rule === 'errors from the form' && n.state === 'firing'), {
    what: 'the new rule to fire on the errors already in',
  });
  await open('/alerts?project=1');
  await shoot('alerts-created');

  await row.getByTestId('alert-delete').click();
  await row.waitFor({ state: 'detached' });
  assert.deepEqual((await api('/alerts')).rules.map((r) => r.name), ['any error']);
  const fileRule = dash.locator('[data-testid="alert-rule"][data-name="any error"]');
  assert.equal(await fileRule.getByTestId('alert-delete').count(), 0, 'a file rule is changed in the file');
});
