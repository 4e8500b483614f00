// The second engine: Firefox ESR (Debian's firefox-esr, driven over WebDriver BiDi by
// puppeteer-core; nothing is downloaded). Chromium is where most tests run; this file keeps
// us from tuning to one engine.
//
// - A thrown error's SpiderMonkey stack (`fn@file:line:col`) is parsed into frames with the
//   right file, line, column and function, the thrower last.
// - Web vitals side by side with Google's web-vitals for what Firefox can measure (FCP, LCP,
//   INP, TTFB); CLS and TBT, which Firefox has no entries for (no layout-shift, no
//   longtask), are not reported at all, by either library.
// - The dashboard, on what those pages sent: the token prompt, the overview's numbers equal
//   to the API's, the live counter fed by the stream (read with fetch), the vitals view.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { waitFor } from './lib/browser.mjs';
import { API_TOKEN, startCollector } from './lib/collector.mjs';
import { e2eDir, repoDir, sdkDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';
import {
  assertVitalsMatch,
  idle,
  lastReport,
  settledEvents,
  vitalEvents,
  waitForWebVitals,
} from './lib/vitals.mjs';

const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const KEY = 'firefox-key';

let firefox;
let captureSite;
let vitalsSite;
let collector;

before(async () => {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} missing: scripts/setup.sh installs firefox-esr`);
  const sdkDist = join(sdkDir, 'dist');
  const webVitalsDist = join(e2eDir, 'node_modules', 'web-vitals', 'dist');
  captureSite = await serveDir(join(e2eDir, 'capture'), { mounts: { '/sdk/': sdkDist } });
  vitalsSite = await serveDir(join(e2eDir, 'vitals'), {
    mounts: { '/sdk/': sdkDist, '/web-vitals/': webVitalsDist },
    delays: { '/hero.png': 300 },
  });
  collector = await startCollector({ MONITOR_PROJECTS: `1:${KEY}`, MONITOR_DASHBOARD_DIR: join(repoDir, 'dashboard', 'dist') });
  firefox = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
});

after(async () => {
  await firefox?.close();
  await captureSite?.close();
  await vitalsSite?.close();
  await collector?.stop();
});

const dsn = () => `http://${KEY}@${new URL(collector.url).host}/1`;

/** 1-based line and column of `needle` in `file` of the capture folder. */
function position(file, needle) {
  const lines = readFileSync(join(e2eDir, 'capture', file), 'utf8').split('\n');
  const lineno = lines.findIndex((l) => l.includes(needle)) + 1;
  return { lineno, colno: lines[lineno - 1].indexOf(needle) + 1 };
}

test('Firefox: a thrown error is stored with SpiderMonkey frames parsed (file, line, column, function)', async () => {
  const page = await firefox.newPage();
  const query = new URLSearchParams({ dsn: dsn(), options: JSON.stringify({ webVitals: false }) });
  await page.goto(`${captureSite.url}/page.html?${query}`);
  assert.equal(await page.evaluate(() => window.__ready), true);
  assert.match(await page.evaluate(() => navigator.userAgent), /Firefox\/\d+/);
  await page.evaluate(() =>
    import('/stack.js').then((m) =>
      setTimeout(function fromTimer() {
        m.outerCall();
      }),
    ),
  );
  const error = await waitFor(async () =>
    (await collector.events()).find((e) => e.type === 'error' && e.exception.values.at(-1).value === 'thrown in firefox'),
  );
  const frames = error.exception.values.at(-1).stacktrace.frames;
  const file = `${captureSite.url}/stack.js`;
  const thrower = frames.at(-1);
  const caller = frames.at(-2);
  // SpiderMonkey points at the `new` of `new Error` (V8 does too).
  assert.deepEqual(
    [thrower.function, thrower.filename, thrower.lineno, thrower.colno, thrower.in_app],
    ['innerCall', file, position('stack.js', 'new Error').lineno, position('stack.js', 'new Error').colno, true],
  );
  assert.deepEqual(
    [caller.function, caller.filename, caller.lineno, caller.colno],
    ['outerCall', file, position('stack.js', 'innerCall()').lineno, position('stack.js', 'innerCall()').colno],
  );
  assert.equal(frames.at(-3).function, 'fromTimer', 'oldest call first, the thrower last');
  assert.equal(error.exception.values.at(-1).mechanism.type, 'onerror');
  await page.close();
});

/**
 * Hides `page` the way a user does: another tab comes to the front. Lets the page go idle
 * first, so web-vitals has handled the last event-timing entries (see idle() in lib/vitals).
 */
async function hide(page) {
  await idle(page);
  const other = await firefox.newPage();
  await other.bringToFront();
  await waitFor(() => page.evaluate(() => document.visibilityState === 'hidden'), { what: 'the page to be hidden' });
  return other;
}

async function vitalsCase(path, interact) {
  const page = await firefox.newPage();
  await page.goto(`${vitalsSite.url}/${path}?${new URLSearchParams({ dsn: dsn() })}`);
  await waitFor(() => page.evaluate(() => window.__sdkRunning === true), { what: 'our SDK to run' });
  await waitForWebVitals(page, (r) => r.some((x) => x.name === 'TTFB'), 'TTFB (the load event)');
  await interact?.(page);
  const other = await hide(page);
  const wv = await waitForWebVitals(page, (r) => lastReport(r, 'LCP'), 'LCP on hide');
  const url = page.url();
  const ours = await settledEvents(collector, (all) =>
    ['FCP', 'LCP', 'TTFB'].every((n) => vitalEvents(all).some((e) => e.name === n && e.page?.url === url)),
  );
  const mine = ours.filter((e) => e.page?.url === url);
  const paints = await page.evaluate(() => performance.getEntriesByType('paint').map((e) => e.name));
  await other.close();
  await page.close();
  return { wv, mine, paints };
}

test('Firefox: FCP, LCP and TTFB equal web-vitals; CLS and TBT are not reported at all', async () => {
  const { wv, mine, paints } = await vitalsCase('image-lcp.html');
  assert.equal(lastReport(wv, 'CLS'), undefined, 'web-vitals reports no CLS in Firefox');
  assertVitalsMatch('Firefox image LCP', wv, mine, ['FCP', 'LCP', 'TTFB']);
  const names = new Set(vitalEvents(mine).map((e) => e.name));
  assert.ok(!names.has('CLS'), 'no CLS from a browser without layout-shift entries');
  assert.ok(!names.has('TBT'), 'no TBT from a browser without longtask entries');
  // Firefox has a first-contentful-paint entry but (153 ESR) no first-paint one: FP is
  // reported exactly when the browser has the entry.
  assert.equal(names.has('FP'), paints.includes('first-paint'), `paint entries: ${paints}`);
});

test('Firefox: INP equals web-vitals for slow clicks', async () => {
  const { wv, mine } = await vitalsCase('inp.html', async (page) => {
    for (const selector of ['#slow-120', '#slow-250']) {
      const count = () => page.evaluate(() => window.__raw.event.filter((e) => e.name === 'click').length);
      const before = await count();
      await page.click(selector);
      await waitFor(async () => (await count()) > before, { what: `the event entry of ${selector}` });
    }
  });
  const inp = lastReport(wv, 'INP');
  assert.ok(inp && inp.value >= 200, `web-vitals INP ${inp?.value} (the 250 ms click; durations are rounded to 8 ms)`);
  assertVitalsMatch('Firefox INP', wv, mine, ['INP']);
});

test('Firefox: the dashboard shows what the pages sent, live', async () => {
  const api = async (path) => {
    const res = await fetch(`${collector.url}/api/1${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(res.status, 200, path);
    return res.json();
  };
  const page = await firefox.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${collector.url}/dashboard/#/overview?project=1`);
  await page.waitForSelector('[data-testid="token-prompt"]');
  await page.type('[data-testid="token-input"]', API_TOKEN);
  await page.click('[data-testid="token-save"]');
  const value = async (testid) => {
    await page.waitForSelector(`[data-testid="${testid}"][data-value]`);
    return page.$eval(`[data-testid="${testid}"]`, (el) => JSON.parse(el.dataset.value));
  };
  const range = await waitFor(() => page.evaluate(() => {
    const view = document.querySelector('[data-testid^="view-"]');
    return view?.dataset.from && { from: view.dataset.from, to: view.dataset.to };
  }), { what: 'the overview' });
  const overview = await api(`/overview?from=${range.from}&to=${range.to}`);
  assert.ok(overview.totals.page_views.value >= 1, 'the pages sent page views');
  for (const key of ['page_views', 'unique_visitors', 'sessions']) {
    assert.deepEqual(await value(`kpi-${key}`), overview.totals[key].value, key);
  }
  const counted = (await api('/live/counters')).total;
  await waitFor(async () => (await value('live-total')) === counted, { what: 'the live total from the stream' });

  await page.goto(`${collector.url}/dashboard/#/vitals?project=1`);
  await page.waitForSelector('[data-testid="vitals-score"]');
  const shown = await waitFor(() => page.evaluate(() => {
    const view = document.querySelector('[data-testid="view-vitals"]');
    const score = document.querySelector('[data-testid="vitals-score"]');
    return view && score && { from: view.dataset.from, to: view.dataset.to, score: JSON.parse(score.dataset.value) };
  }), { what: 'the vitals view' });
  const vitals = await api(`/vitals?from=${shown.from}&to=${shown.to}`);
  assert.deepEqual(shown.score, vitals.score.score);
  await page.close();
});
