// Helpers for the side-by-side web-vitals tests (vitals.test.mjs): a Chromium whose pages can
// really be hidden, hide/show, reading both sides' reports, the comparison with a readable
// diff table, and the expected values of the extra metrics from the raw performance entries.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, waitFor } from './browser.mjs';

// ---------------------------------------------------------------------------------------------
// A Chromium whose pages can be hidden for real.
//
// Playwright's own launch() enables focus emulation on every page
// (Emulation.setFocusEmulationEnabled), which keeps the page "visible" whatever happens to its
// window or tab: minimizing the window or switching tabs then never fires visibilitychange. It
// also passes --disable-back-forward-cache. Pages of the *default* context of a browser that
// Playwright connected to with connectOverCDP(..., { noDefaults: true }) get no such overrides
// (documented: "focus emulation is not enabled"; made for attaching to a user's own browser;
// contexts made with newContext() still get them). So: start Chromium
// ourselves with a DevTools port, connect over CDP, open pages in the default context. Then
// minimizing a page's window (Browser.setWindowBounds) makes it hidden with a trusted
// visibilitychange, exactly like a user switching away, and the back/forward cache works.
// ---------------------------------------------------------------------------------------------

const ARGS = [
  ...CHROMIUM_ARGS,
  '--no-default-browser-check',
  // A minimized window must not stop timers and rendering work that the tests wait for.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

export async function launchHideableChromium() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'monitor-e2e-chromium-'));
  const child = spawn(
    process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    [...ARGS, '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not start in 30 s:\n${stderr}`)), 30000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code}:\n${stderr}`));
    });
  });
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
  const context = browser.contexts()[0];
  const cdp = await browser.newBrowserCDPSession();
  return {
    browser,
    context,
    /**
     * A new page in a window of its own (in the default context). Tabs of one window would share
     * its minimized state: a new tab in a minimized window starts visible and cannot be hidden.
     */
    async newPage() {
      const [page] = await Promise.all([
        context.waitForEvent('page'),
        cdp.send('Target.createTarget', { url: 'about:blank', newWindow: true }),
      ]);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      process.removeListener('exit', killOnExit);
      try {
        rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      } catch {
        // A helper process may still be writing; the OS cleans /tmp eventually.
      }
    },
  };
}

async function setWindowState(page, windowState) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { windowId } = await cdp.send('Browser.getWindowForTarget');
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState } });
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * Waits until the page had two idle periods: work that the libraries queued for idle time is
 * done. web-vitals handles event-timing entries in an idle callback; on a page hidden before
 * that callback ran, its INP never includes them (the hidden handler runs first, finds
 * nothing, and the late entries are not reported again). Hiding right after an interaction
 * would then compare our INP with web-vitals' quirk, not with its measurement.
 */
export function idle(page) {
  return page.evaluate(
    () => new Promise((resolve) => requestIdleCallback(() => requestIdleCallback(() => resolve(), { timeout: 2000 }), { timeout: 2000 })),
  );
}

/**
 * Hides the page for real (its window is minimized): a trusted visibilitychange to "hidden",
 * as when the user switches tabs. Waits until the page says it is hidden. Lets the page go
 * idle first (see idle()) unless `settle` is false.
 */
export async function hide(page, { settle = true } = {}) {
  if (settle) await idle(page);
  await setWindowState(page, 'minimized');
  try {
    await waitFor(() => page.evaluate(() => document.visibilityState === 'hidden'), {
      timeout: 5000,
      interval: 20,
      what: 'the page to become hidden',
    });
  } catch (error) {
    error.message += ' (was the page opened by launchHideableChromium()? Focus emulation keeps pages visible)';
    throw error;
  }
}

/** Shows a hidden page again (its window is restored). */
export async function show(page) {
  await setWindowState(page, 'normal');
  await waitFor(() => page.evaluate(() => document.visibilityState === 'visible'), {
    timeout: 5000,
    interval: 20,
    what: 'the page to become visible',
  });
}

// ---------------------------------------------------------------------------------------------
// Reading both sides.
// ---------------------------------------------------------------------------------------------

export const VITALS = ['FCP', 'LCP', 'CLS', 'INP', 'TTFB'];

/** web-vitals' reports on the page, in the order they were made. */
export const webVitalsReports = (page) => page.evaluate(() => window.__wv);

/**
 * Raw performance entries the page recorded, by entry type. The navigation entry is read anew:
 * the one the observer got was delivered before the load event ended (loadEventEnd still 0).
 */
export const rawEntries = (page) =>
  page.evaluate(() => ({ ...window.__raw, navigation: performance.getEntriesByType('navigation').map((e) => e.toJSON()) }));

/** Waits until `check(list)` holds for web-vitals' reports; returns them. */
export function waitForWebVitals(page, check, what, timeout = 10000) {
  return waitFor(
    async () => {
      const reports = await webVitalsReports(page);
      return check(reports) ? reports : null;
    },
    { timeout, what: `web-vitals: ${what}` },
  );
}

/** The last report of `name` in a list of web-vitals reports. */
export const lastReport = (reports, name) => reports.filter((r) => r.name === name).at(-1);

/**
 * Our SDK's events as the collector stored them, oldest first (the collector answers newest
 * first; the SDK's timestamp orders them, arrival breaks ties).
 */
export async function storedEvents(collector) {
  const events = (await collector.events()).reverse();
  return events
    .map((event, arrival) => ({ event, arrival }))
    .sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0) || a.arrival - b.arrival)
    .map(({ event }) => event);
}

/**
 * Polls the collector until `expected(events)` holds and nothing new arrived for `quietMs`;
 * gives back what arrived by `timeout` in any case (the comparison then shows what is missing).
 */
export async function settledEvents(collector, expected, { quietMs = 700, timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  let events = [];
  let count = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    events = await storedEvents(collector);
    if (events.length !== count) {
      count = events.length;
      stableSince = Date.now();
    } else if (expected(events) && Date.now() - stableSince >= quietMs) {
      return events;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return events;
}

export const vitalEvents = (events) => events.filter((e) => e.type === 'web_vital');

/** True once our side reported every metric in `names`. */
export const hasVitals = (names) => (events) => names.every((n) => vitalEvents(events).some((e) => e.name === n));

// ---------------------------------------------------------------------------------------------
// The comparison.
// ---------------------------------------------------------------------------------------------

// [web-vitals field, our field, tolerance ('eq' for an exact match of strings)].
const ATTRIBUTION = {
  FCP: [
    ['timeToFirstByte', 'time_to_first_byte', 1],
    ['firstByteToFCP', 'first_byte_to_fcp', 1],
    ['loadState', 'load_state', 'eq'],
  ],
  LCP: [
    ['target', 'target', 'eq'],
    ['url', 'url', 'eq'],
    ['timeToFirstByte', 'time_to_first_byte', 1],
    ['resourceLoadDelay', 'resource_load_delay', 1],
    ['resourceLoadDuration', 'resource_load_duration', 1],
    ['elementRenderDelay', 'element_render_delay', 1],
  ],
  CLS: [
    ['largestShiftTarget', 'largest_shift_target', 'eq'],
    ['largestShiftTime', 'largest_shift_time', 1],
    ['largestShiftValue', 'largest_shift_value', 0.0001],
    ['loadState', 'load_state', 'eq'],
  ],
  INP: [
    ['interactionTarget', 'interaction_target', 'eq'],
    ['interactionType', 'interaction_type', 'eq'],
    ['interactionTime', 'interaction_time', 1],
    ['nextPaintTime', 'next_paint_time', 1],
    ['inputDelay', 'input_delay', 1],
    ['processingDuration', 'processing_duration', 1],
    ['presentationDelay', 'presentation_delay', 1],
    ['loadState', 'load_state', 'eq'],
  ],
  TTFB: [
    ['waitingDuration', 'waiting_duration', 1],
    ['cacheDuration', 'cache_duration', 1],
    ['dnsDuration', 'dns_duration', 1],
    ['connectionDuration', 'connection_duration', 1],
    ['requestDuration', 'request_duration', 1],
  ],
};

/** FCP, LCP, TTFB within 1 ms; CLS within 0.0001; INP equal. */
export const VALUE_TOLERANCE = { FCP: 1, LCP: 1, CLS: 0.0001, INP: 0, TTFB: 1 };

const TRACKED = new Set([...VITALS, 'FP', 'TBT']);

/** Largest |difference| seen per metric and field over the whole run, for the closing note. */
export const largestDifferences = {};

const absent = (v) => v === undefined || v === null || v === '';

/** One comparison row; numeric differences of the metrics in TRACKED go into largestDifferences
 * under `trackAs` (the metric, with the navigation type when it is not a plain navigation). */
function row(metric, field, wv, ours, tolerance, trackAs = metric) {
  const r = { metric, field, wv, ours, tolerance, diff: '', ok: false };
  if (absent(wv) && absent(ours)) {
    r.ok = true;
  } else if (tolerance === 'eq') {
    r.ok = wv === ours;
  } else if (typeof wv === 'number' && typeof ours === 'number') {
    const diff = Math.abs(wv - ours);
    r.diff = diff;
    // A little slack for floating point (0.1 + 0.2 is not 0.3).
    r.ok = diff <= tolerance + 1e-9;
    if (TRACKED.has(metric)) {
      const key = `${trackAs}.${field}`;
      largestDifferences[key] = Math.max(largestDifferences[key] ?? 0, diff);
    }
  }
  return r;
}

/**
 * Compares the last report of each metric of `names` from web-vitals (`wvReports`, as the page
 * recorded them) and from our SDK (`ourEvents`, stored web_vital events, oldest first).
 * A metric that one side reported must be reported by the other, with the value within
 * VALUE_TOLERANCE, equal rating and navigation type, equal attribution target and the
 * attribution's numbers within 1 ms (`slack` widens single fields). Returns the rows;
 * `formatRows` makes them a table.
 */
export function compareVitals(wvReports, ourEvents, names = VITALS, { slack = {} } = {}) {
  const allowed = (metric, field, tolerance) => slack[`${metric}.${field}`] ?? tolerance;
  const rows = [];
  for (const name of names) {
    const wv = lastReport(wvReports, name);
    const ours = vitalEvents(ourEvents).filter((e) => e.name === name).at(-1);
    if (!wv && !ours) {
      rows.push({ metric: name, field: '(reported)', wv: 'no', ours: 'no', tolerance: 'eq', diff: '', ok: true });
      continue;
    }
    if (!wv || !ours) {
      rows.push({ metric: name, field: '(reported)', wv: wv ? 'yes' : 'no', ours: ours ? 'yes' : 'no', tolerance: 'eq', diff: '', ok: false });
      continue;
    }
    const trackAs = wv.navigationType === 'navigate' ? name : `${name} (${wv.navigationType})`;
    rows.push(row(name, 'value', wv.value, ours.value, allowed(name, 'value', VALUE_TOLERANCE[name]), trackAs));
    rows.push(row(name, 'rating', wv.rating, ours.rating, 'eq'));
    rows.push(row(name, 'navigation type', wv.navigationType, ours.navigation_type, 'eq'));
    for (const [wvField, ourField, tolerance] of ATTRIBUTION[name]) {
      rows.push(row(name, ourField, wv.attribution?.[wvField], ours.attribution?.[ourField], allowed(name, ourField, tolerance), trackAs));
    }
  }
  return rows;
}

const show_ = (v) => (v === undefined ? '—' : typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : JSON.stringify(v));

/** A plain-text table of comparison rows; failing rows are marked with ✗. */
export function formatRows(rows) {
  const cells = rows.map((r) => [
    r.ok ? ' ' : '✗',
    r.metric,
    r.field,
    show_(r.wv),
    show_(r.ours),
    r.diff === '' ? '' : show_(r.diff),
    r.tolerance === 'eq' ? '=' : `≤ ${r.tolerance}`,
  ]);
  const header = ['', 'metric', 'field', 'web-vitals', 'ours', '|diff|', 'allowed'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

/**
 * Logs the comparison table and fails with it (failing rows first) when anything differs.
 * `options.slack` widens single tolerances, e.g. `{ 'LCP.value': 8 }`; say why where used.
 */
export function assertVitalsMatch(label, wvReports, ourEvents, names = VITALS, options = {}) {
  const rows = compareVitals(wvReports, ourEvents, names, options);
  const table = formatRows(rows);
  console.log(`\n[vitals] ${label}: web-vitals vs ours\n${table}`);
  const failing = rows.filter((r) => !r.ok);
  if (failing.length) {
    throw new Error(
      `${label}: our SDK differs from web-vitals in ${failing.length} field(s):\n${formatRows(failing)}\n\nfull comparison:\n${table}`,
    );
  }
  return rows;
}

/** Rows comparing `expected` (plain numbers/strings, possibly nested) with `actual`. */
export function compareExpected(metric, expected, actual, tolerance = 1, prefix = '') {
  const rows = [];
  for (const [key, want] of Object.entries(expected)) {
    const got = actual?.[key];
    const field = prefix + key;
    if (want && typeof want === 'object' && !Array.isArray(want)) {
      rows.push(...compareExpected(metric, want, got, tolerance, `${field}.`));
    } else if (Array.isArray(want)) {
      rows.push(row(metric, `${field}.length`, want.length, Array.isArray(got) ? got.length : undefined, 0));
      want.forEach((item, i) => rows.push(...compareExpected(metric, item, got?.[i], tolerance, `${field}[${i}].`)));
    } else {
      rows.push(row(metric, field, want, got, typeof want === 'number' ? tolerance : 'eq'));
    }
  }
  return rows;
}

/** Like assertVitalsMatch for the extra metrics: hand-computed expectations vs our event. */
export function assertExpected(label, rows) {
  const table = formatRows(rows).replace('web-vitals', 'expected  ');
  console.log(`\n[vitals] ${label}: expected from raw entries vs ours\n${table}`);
  const failing = rows.filter((r) => !r.ok);
  if (failing.length) {
    throw new Error(`${label}: ${failing.length} field(s) differ:\n${formatRows(failing)}\n\nfull comparison:\n${table}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Expected values of the extra metrics, from the raw entries the page recorded.
// ---------------------------------------------------------------------------------------------

function rate(value, [good, poor]) {
  return value > poor ? 'poor' : value > good ? 'needs-improvement' : 'good';
}

/** FP = max(first-paint − activationStart, 0), rated with FCP's thresholds. */
export function expectedFP(raw) {
  const fp = raw.paint.find((e) => e.name === 'first-paint');
  if (!fp) return null;
  const activationStart = raw.navigation[0]?.activationStart ?? 0;
  const value = Math.max(fp.startTime - activationStart, 0);
  return { value, rating: rate(value, [1800, 3000]) };
}

/**
 * TBT: for each long task ending after FCP, the part after FCP beyond 50 ms. The attribution
 * is taken to be: long_tasks = how many tasks ended after FCP, longest_task = the longest of
 * their durations, fcp = the FCP time.
 */
export function expectedTBT(raw) {
  const fcp = raw.paint.find((e) => e.name === 'first-contentful-paint');
  if (!fcp) return null;
  const fcpTime = fcp.startTime;
  const counted = raw.longtask.filter((t) => t.startTime + t.duration > fcpTime);
  const value = counted.reduce((sum, t) => sum + Math.max(0, t.startTime + t.duration - Math.max(t.startTime, fcpTime) - 50), 0);
  return {
    value,
    rating: rate(value, [200, 600]),
    attribution: {
      long_tasks: counted.length,
      longest_task: Math.max(0, ...counted.map((t) => t.duration)),
      fcp: fcpTime,
    },
    tasks: raw.longtask.map((t) => ({ start: t.startTime, duration: t.duration, counted: counted.includes(t) })),
  };
}

/** The navigation_timing event's `timing` from the navigation entry. */
export function expectedNavigationTiming(nav) {
  return {
    redirect: nav.redirectEnd - nav.redirectStart,
    dns: nav.domainLookupEnd - nav.domainLookupStart,
    tcp: nav.connectEnd - nav.connectStart,
    tls: nav.secureConnectionStart > 0 ? nav.connectEnd - nav.secureConnectionStart : 0,
    request: nav.responseStart - nav.requestStart,
    response: nav.responseEnd - nav.responseStart,
    dom_interactive: nav.domInteractive,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    dom_complete: nav.domComplete,
    load: nav.loadEventEnd,
    transfer_size: nav.transferSize,
    protocol: nav.nextHopProtocol,
  };
}

/**
 * The resource_timing event from resource entries (the SDK's own requests to `collectorUrl`
 * left out): totals, per initiator type (count, transfer size, summed duration), the 5 slowest.
 */
export function expectedResourceTiming(resources, collectorUrl) {
  const own = resources.filter((r) => !r.name.startsWith(collectorUrl));
  const byType = {};
  for (const r of own) {
    const t = (byType[r.initiatorType] ??= { count: 0, transfer_size: 0, duration: 0 });
    t.count += 1;
    t.transfer_size += r.transferSize;
    t.duration += r.duration;
  }
  const slowest = [...own]
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 5)
    .map((r) => ({ url: r.name, type: r.initiatorType, start: r.startTime, duration: r.duration, transfer_size: r.transferSize }));
  return {
    count: own.length,
    transfer_size: own.reduce((s, r) => s + r.transferSize, 0),
    by_type: byType,
    slowest,
  };
}

/** Session windows of layout shifts (gap < 1 s, window < 5 s), as CLS defines them. */
export function sessionWindows(shifts) {
  const windows = [];
  let current = null;
  for (const s of shifts.filter((e) => !e.hadRecentInput)) {
    const first = current?.entries[0];
    const last = current?.entries.at(-1);
    if (current && s.startTime - last.startTime < 1000 && s.startTime - first.startTime < 5000) {
      current.entries.push(s);
      current.value += s.value;
    } else {
      current = { entries: [s], value: s.value };
      windows.push(current);
    }
  }
  return windows;
}
