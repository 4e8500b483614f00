// The foundation, end to end: the packed npm package in a Vite app, in real Chromium, sending
// to the real collector. Errors from four moments of a page's life (inline script before the
// bundle, before the wasm is ready, uncaught after, unhandled rejection) and a track() call
// must be stored with the right type, message, frames and page URL, and the SDK must never
// throw into the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './lib/app.mjs';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { startCollector } from './lib/collector.mjs';
import { serveDir } from './lib/static-server.mjs';

const INTENTIONAL = [
  'inline script error before the bundle',
  'early error before wasm ready',
  'uncaught error after ready',
  'rejected promise after ready',
];

let app;
let site;
let browser;

before(async () => {
  app = await buildApp();
  site = await serveDir(app.outDir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** Opens the app with a DSN for `collector`; records page errors and SDK console output. */
async function openApp(collector, query = {}) {
  const page = await browser.newPage();
  const pageErrors = [];
  const sdkLogs = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (msg) => {
    if (msg.text().includes('[monitor-sdk]')) sdkLogs.push(msg.text());
  });
  const dsn = query.dsn ?? `http://demo-public-key@${new URL(collector.url).host}/1`;
  const params = new URLSearchParams({ ...query, dsn });
  const url = `${site.url}/?${params}`;
  await page.goto(url);
  await waitFor(() => page.evaluate(() => window.__done === true || window.__monitorRunning === false), {
    what: 'the app to finish',
  });
  return { page, url, pageErrors, sdkLogs };
}

/** The stored events these tests are about (the page's web vitals arrive too). */
async function errorsAndCustom(collector) {
  return (await collector.events()).filter((e) => e.type === 'error' || e.type === 'custom');
}

/** Finds the 1-based line and column of `needle` in `text`. */
function position(text, needle) {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const col = lines[i].indexOf(needle);
    if (col >= 0) return { lineno: i + 1, colno: col + 1 };
  }
  throw new Error(`${needle} not found`);
}

function bundleFile() {
  const assets = join(app.outDir, 'assets');
  const js = readdirSync(assets).filter((f) => /^index-.*\.js$/.test(f));
  assert.equal(js.length, 1, `one entry chunk expected, got ${js}`);
  return { name: `assets/${js[0]}`, text: readFileSync(join(assets, js[0]), 'utf8') };
}

function findError(events, message) {
  const event = events.find((e) => e.type === 'error' && e.exception.values[0].value === message);
  assert.ok(event, `no stored error "${message}"; stored: ${events.map((e) => e.type + ':' + (e.exception?.values[0].value ?? e.name)).join(', ')}`);
  return event;
}

function assertThrowingFrame(event, { file, fileText, functionName, needle }) {
  const frames = event.exception.values[0].stacktrace.frames;
  assert.ok(frames.length >= 1, 'frames expected');
  const top = frames[frames.length - 1];
  const expected = position(fileText, needle);
  assert.equal(top.filename, file, 'frame file');
  assert.equal(top.function, functionName, 'frame function');
  assert.equal(top.lineno, expected.lineno, `frame line of ${needle}`);
  assert.equal(top.colno, expected.colno, `frame column of ${needle}`);
  assert.equal(top.in_app, true);
}

test('errors from every stage of the page and track() arrive stored and intact', async () => {
  const collector = await startCollector();
  try {
    const { page, url, pageErrors, sdkLogs } = await openApp(collector);
    assert.equal(await page.evaluate(() => window.__monitorRunning), true);
    const events = await waitFor(async () => {
      const stored = await errorsAndCustom(collector);
      return stored.length >= 5 ? stored : null;
    }, { what: '5 stored events' });
    // Nothing else trickles in (beforeSend dropped one custom event).
    await new Promise((r) => setTimeout(r, 500));
    const all = await errorsAndCustom(collector);
    assert.equal(all.length, 5, `exactly 5 events expected, got ${all.map((e) => e.type).join(',')}`);

    const bundle = bundleFile();
    const bundleUrl = `${site.url}/${bundle.name}`;
    const html = readFileSync(join(app.outDir, 'index.html'), 'utf8');

    const inline = findError(events, INTENTIONAL[0]);
    assert.deepEqual(inline.exception.values[0].mechanism, { type: 'early', data: { original: 'onerror' }, handled: false });
    assertThrowingFrame(inline, { file: url, fileText: html, functionName: 'inlineBeforeBundle', needle: "new Error('inline script error" });

    const early = findError(events, INTENTIONAL[1]);
    assert.equal(early.exception.values[0].mechanism.type, 'early');
    assertThrowingFrame(early, { file: bundleUrl, fileText: bundle.text, functionName: 'throwBeforeReady', needle: 'new Error("early error before wasm ready")' });

    const uncaught = findError(events, INTENTIONAL[2]);
    assert.deepEqual(uncaught.exception.values[0].mechanism, { type: 'onerror', handled: false });
    assertThrowingFrame(uncaught, { file: bundleUrl, fileText: bundle.text, functionName: 'throwAfterReady', needle: 'new Error("uncaught error after ready")' });

    const rejected = findError(events, INTENTIONAL[3]);
    assert.deepEqual(rejected.exception.values[0].mechanism, { type: 'onunhandledrejection', handled: false });
    assertThrowingFrame(rejected, { file: bundleUrl, fileText: bundle.text, functionName: 'rejectAfterReady', needle: 'new Error("rejected promise after ready")' });

    const custom = events.find((e) => e.type === 'custom');
    assert.equal(custom.name, 'signup');
    assert.deepEqual(custom.data, { plan: 'pro', seats: 3 });

    const ids = new Set();
    for (const event of all) {
      assert.match(event.event_id, /^[0-9a-f]{32}$/);
      ids.add(event.event_id);
      assert.equal(event.page.url, url);
      assert.equal(event.release, 'e2e-app@1.0.0');
      assert.equal(event.environment, 'e2e');
      assert.equal(event.user.id, 'user-42');
      assert.match(event.user.session_id, /^[0-9a-f]{32}$/);
      assert.equal(event.tags.suite, 'e2e');
      assert.equal(event.tags.plugin, 'PageTagger', 'JS integration processEvent ran');
      assert.equal(event.tags.plugin_setup, 'yes', 'JS integration setup ran');
      assert.match(event.browser.user_agent, /Chrome/);
      assert.ok(Math.abs(event.timestamp - Date.now()) < 60000, 'timestamp is epoch ms');
    }
    assert.equal(ids.size, 5, 'event ids are unique');
    assert.equal(new Set(all.map((e) => e.user.session_id)).size, 1, 'one session');

    // The page saw its own four errors and nothing from the SDK.
    for (const message of pageErrors) {
      assert.ok(INTENTIONAL.some((m) => message.includes(m)), `unexpected page error: ${message}`);
    }
    assert.ok(pageErrors.some((m) => m.includes(INTENTIONAL[2])), 'page errors were observed');
    assert.deepEqual(sdkLogs.map((l) => l.replace(/^.*\[monitor-sdk\]\s*/, '')), ['event dropped by beforeSend']);
    await page.close();
  } finally {
    await collector.stop();
  }
});

test('events still queued when the page goes away leave by sendBeacon', async () => {
  const collector = await startCollector();
  try {
    const { page } = await openApp(collector, { scenario: 'leave', flushInterval: '60000' });
    assert.equal((await collector.events()).length, 0, 'nothing sent before the page leaves');
    await page.goto('about:blank');
    const events = await waitFor(async () => {
      const stored = await errorsAndCustom(collector);
      return stored.length >= 3 ? stored : null;
    }, { what: 'beacon events' });
    const names = events.map((e) => (e.type === 'custom' ? e.name : e.exception.values[0].value)).sort();
    assert.deepEqual(names, ['early error before wasm ready', 'inline script error before the bundle', 'sent-by-beacon']);
    await page.close();
  } finally {
    await collector.stop();
  }
});

test('a malformed DSN disables the SDK without breaking the page', async () => {
  const collector = await startCollector();
  try {
    const { page, pageErrors, sdkLogs } = await openApp(collector, { dsn: 'not-a-dsn' });
    assert.equal(await page.evaluate(() => window.__monitorRunning), false);
    assert.ok(sdkLogs.some((l) => l.includes('DSN must start with http')), `DSN reason logged: ${sdkLogs}`);
    for (const message of pageErrors) {
      assert.ok(INTENTIONAL.some((m) => message.includes(m)), `unexpected page error: ${message}`);
    }
    // The SDK's exports stay callable and inert.
    assert.equal(await page.evaluate(() => typeof window.__monitorRunning), 'boolean');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await collector.events()).length, 0);
    await page.close();
  } finally {
    await collector.stop();
  }
});
