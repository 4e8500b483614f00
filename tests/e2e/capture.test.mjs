// Every capture path of issue 9, end to end: the SDK as built, on a page in real Chromium,
// sending to the real collector; each test asserts the stored events' fields.
//
// - failed resources (img, script, stylesheet, media source) and failed HTTP calls (fetch and
//   XHR: 5xx, network error, abort, timeout; 4xx is not an error by default; secret query
//   values scrubbed);
// - errors with `cause` chains, a cross-origin `Script error.`, ignoreErrors;
// - page views on load and on SPA navigation, time on page per view;
// - clicks, rage clicks, form submits, key presses, never a typed value;
// - visitors and sessions, shared by tabs, and nothing stored with `storage: false`;
// - automatic breadcrumbs (clicks, navigation, console, HTTP) attached to a later error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { startCollector } from './lib/collector.mjs';
import { e2eDir, sdkDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';

let site;
let browser;
let collector;
let crossOrigin;

before(async () => {
  // A script on another origin (the collector's /demo/), loaded without `crossorigin`.
  crossOrigin = mkdtempSync(join(tmpdir(), 'monitor-e2e-xorigin-'));
  writeFileSync(join(crossOrigin, 'thrower.js'), 'function thirdParty() { throw new Error("secret detail"); }\nthirdParty();\n');
  collector = await startCollector({ MONITOR_DEMO_DIR: crossOrigin });
  site = await serveDir(join(e2eDir, 'capture'), { mounts: { '/sdk/': join(sdkDir, 'dist') } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
});

const dsn = () => `http://demo-public-key@${new URL(collector.url).host}/1`;

/** Opens the capture page with `options` in `context` (a fresh one by default). */
async function open(options = {}, context) {
  const ctx = context || (await browser.newContext());
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = new URLSearchParams({ dsn: dsn(), options: JSON.stringify(options) });
  await page.goto(`${site.url}/page.html?${query}`);
  assert.equal(await page.evaluate(() => window.__ready), true, 'the SDK runs');
  const visitor = await page.evaluate(() => {
    try {
      return localStorage.getItem('__monitor_vid');
    } catch {
      return null;
    }
  });
  return { page, context: ctx, errors, visitor, url: page.url() };
}

/** Stored events of `type` (all types with none) from the page whose visitor is `visitor`. */
async function stored(visitor, type) {
  return (await collector.events()).filter(
    (e) => (!visitor || e.user?.visitor_id === visitor) && (!type || e.type === type),
  );
}

async function waitStored(visitor, type, count, what) {
  return waitFor(
    async () => {
      const events = await stored(visitor, type);
      return events.length >= count ? events.reverse() : null; // oldest first
    },
    { what: what || `${count} ${type} events`, timeout: 20000 },
  );
}

test('resources that fail to load become resource_error events with URL, tag and selector', async () => {
  const { page, visitor, errors } = await open();
  await page.evaluate(() => {
    const add = (html) => document.body.insertAdjacentHTML('beforeend', html);
    add('<img class="hero wide" src="/missing/hero.png?session=abc">');
    add('<link rel="stylesheet" href="/missing/theme.css">');
    add('<link rel="preload" as="image" href="/missing/preload.png">');
    add('<audio><source id="clip" src="/missing/clip.mp3" type="audio/mpeg"></audio>');
    const script = document.createElement('script');
    script.src = '/missing/widget.js';
    document.head.append(script);
  });
  const events = await waitStored(visitor, 'resource_error', 4);
  await new Promise((r) => setTimeout(r, 300));
  const byTag = Object.fromEntries(events.map((e) => [e.resource.tag, e]));
  assert.deepEqual(Object.keys(byTag).sort(), ['img', 'link', 'script', 'source']);
  assert.equal(byTag.img.resource.url, `${site.url}/missing/hero.png?session=[Filtered]`);
  assert.equal(byTag.img.resource.selector, 'html>body>img.hero.wide');
  assert.equal(byTag.img.level, 'error');
  assert.equal(byTag.link.resource.url, `${site.url}/missing/theme.css`);
  assert.equal(byTag.script.resource.url, `${site.url}/missing/widget.js`);
  assert.equal(byTag.source.resource.selector, '#clip');
  assert.equal((await stored(visitor, 'resource_error')).length, 4, 'the preload is no stylesheet: not reported');
  assert.equal((await stored(visitor, 'error')).length, 0, 'no resource was taken for a script error');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('failed fetch and XHR calls become http_error events; the page gets what it got before', async () => {
  const { page, visitor, errors } = await open();
  const results = await page.evaluate(async () => {
    const out = {};
    const r500 = await fetch('/status/500');
    out.r500 = [r500.status, await r500.text(), r500 instanceof Response];
    out.r404 = (await fetch('/status/404')).status;
    out.r503 = (await fetch('/status/503?token=secret-value&q=shoes', { method: 'post', body: 'x' })).status;
    out.network = await fetch('http://127.0.0.1:9/nothing-listens').then(
      () => 'resolved',
      (e) => `${e.name}: ${e.message}`,
    );
    const xhr = (url, setup) =>
      new Promise((resolve) => {
        const x = new XMLHttpRequest();
        x.open('GET', url);
        setup?.(x);
        x.onloadend = () => resolve(x.status);
        x.send();
      });
    out.x502 = await xhr('/status/502');
    out.aborted = await xhr('/hang', (x) => setTimeout(() => x.abort(), 100));
    out.timedOut = await xhr('/hang', (x) => (x.timeout = 150));
    return out;
  });
  assert.deepEqual(results, {
    r500: [500, 'status 500', true],
    r404: 404,
    r503: 503,
    network: 'TypeError: Failed to fetch',
    x502: 502,
    aborted: 0,
    timedOut: 0,
  });
  const events = await waitStored(visitor, 'http_error', 6);
  const got = events.map((e) => [e.http.kind, e.http.method, e.http.url.replace(site.url, ''), e.http.status, e.http.error]);
  assert.deepEqual(got, [
    ['fetch', 'GET', '/status/500', 500, undefined],
    ['fetch', 'POST', '/status/503?token=[Filtered]&q=shoes', 503, undefined],
    ['fetch', 'GET', 'http://127.0.0.1:9/nothing-listens', 0, 'TypeError: Failed to fetch'],
    ['xhr', 'GET', '/status/502', 502, undefined],
    ['xhr', 'GET', '/hang', 0, 'aborted'],
    ['xhr', 'GET', '/hang', 0, 'timeout'],
  ]);
  for (const event of events) {
    assert.equal(event.level, 'error');
    assert.ok(event.http.duration >= 0, 'a duration');
  }
  assert.ok(events[4].http.duration >= 90, 'the aborted call lasted until the abort');
  // The SDK's own requests to the collector are never reported, as errors or breadcrumbs.
  await page.evaluate(() => window.Monitor.captureMessage('after the calls'));
  const [message] = await waitStored(visitor, 'message', 1);
  const http = message.breadcrumbs.filter((b) => b.category === 'http');
  assert.deepEqual(
    http.map((b) => [b.message.replace(site.url, ''), b.level, b.data.status]),
    [
      ['GET /status/500', 'error', 500],
      ['GET /status/404', 'info', 404],
      ['POST /status/503?token=[Filtered]&q=shoes', 'error', 503],
      ['GET http://127.0.0.1:9/nothing-listens', 'error', 0],
      ['GET /status/502', 'error', 502],
      ['GET /hang', 'error', 0],
      ['GET /hang', 'error', 0],
    ],
  );
  assert.ok(!JSON.stringify(await stored(visitor)).includes('/api/1/events'), 'no own request in any event');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('errors carry their cause chain; cross-origin script errors are marked; ignoreErrors drops', async () => {
  const { page, visitor } = await open({ ignoreErrors: ['re:^noise \\d+$', 'ResizeObserver loop'] });
  await page.evaluate((origin) => {
    const root = new RangeError('root cause');
    const middle = new TypeError('while parsing', { cause: root });
    window.Monitor.captureException(new Error('checkout failed', { cause: middle }));
    window.Monitor.captureException(new Error('noise 42'));
    window.Monitor.captureException(new Error('ResizeObserver loop completed'));
    const script = document.createElement('script');
    script.src = `${origin}/demo/thrower.js`;
    document.head.append(script);
  }, collector.url);
  const events = await waitStored(visitor, 'error', 2);
  await new Promise((r) => setTimeout(r, 500));
  const all = await stored(visitor, 'error');
  assert.equal(all.length, 2, `ignored errors are not stored: ${all.map((e) => e.exception.values.at(-1).value)}`);
  const chained = events.find((e) => e.exception.values.at(-1).value === 'checkout failed');
  assert.deepEqual(
    chained.exception.values.map((v) => [v.type, v.value]),
    [
      ['RangeError', 'root cause'],
      ['TypeError', 'while parsing'],
      ['Error', 'checkout failed'],
    ],
    'causes first, the thrown error last (Sentry order)',
  );
  assert.ok(chained.exception.values.every((v) => v.stacktrace.frames.length > 0));
  const opaque = events.find((e) => e.exception.values.at(-1).value === 'Script error.');
  assert.ok(opaque, 'the cross-origin error is stored');
  assert.deepEqual(opaque.exception.values[0].mechanism, { type: 'onerror', data: { cross_origin: true }, handled: false });
  assert.ok(!JSON.stringify(opaque).includes('secret detail'), 'the browser hid the message');
  await page.context().close();
});

test('page views on load and on SPA navigation; time on page per view, visible time only', async () => {
  const { page, visitor, url } = await open();
  await page.evaluate(async () => {
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));
    await wait(300);
    history.pushState({ step: 1 }, '', '/app/cart');
    document.title = 'Cart';
    await wait(300);
    history.pushState({ step: 1 }, '', '/app/cart'); // the same URL again: no new view
    history.replaceState({ step: 1 }, '', '/app/cart');
    await wait(50);
    location.hash = '#reviews';
    await wait(300);
  });
  await page.goto('about:blank'); // hidden, then gone: the last view's time leaves by beacon
  const views = await waitStored(visitor, 'page_view', 3);
  assert.deepEqual(
    views.map((v) => [v.page.url.replace(site.url, ''), v.page.referrer?.replace(site.url, '') ?? null]),
    [
      [url.replace(site.url, ''), null],
      ['/app/cart', url.replace(site.url, '')],
      ['/app/cart#reviews', '/app/cart'],
    ],
  );
  assert.equal(views[0].page.title, 'Shop home');
  assert.equal(views[1].page.title, 'Cart', 'the title as the route set it');
  const times = await waitStored(visitor, 'time_on_page', 3);
  assert.deepEqual(
    times.map((t) => t.page.url.replace(site.url, '')),
    [url.replace(site.url, ''), '/app/cart', '/app/cart#reviews'],
  );
  const [first, second, third] = times.map((t) => t.duration);
  assert.ok(first >= 250 && first < 5000, `first view ${first} ms`);
  assert.ok(second >= 300 && second < 5000, `second view ${second} ms`);
  assert.ok(third >= 250 && third < 5000, `third view ${third} ms`);
  await page.context().close();
});

test('clicks, rage clicks and form submits are recorded; private elements and values never', async () => {
  const { page, visitor, errors } = await open();
  await page.click('#buy', { position: { x: 5, y: 5 } });
  await page.waitForTimeout(1100);
  const box = await page.locator('button.secondary').boundingBox();
  for (let i = 0; i < 4; i++) await page.mouse.click(box.x + 4 + i * 5, box.y + 4);
  await page.click('#private-button');
  await page.click('#password');
  await page.fill('#email', 'alice@example.com');
  await page.fill('#password', 'hunter2');
  await page.fill('#card', '4111111111111111');
  await page.click('#submit');
  assert.equal(await page.evaluate(() => window.__submitted), 1, 'the page still handles its submit');
  const [submit] = await waitStored(visitor, 'form_submit', 1);
  assert.deepEqual([submit.target, submit.form], ['#signup', { id: 'signup', name: 'account', action: '/api/signup', fields: 4 }]);
  const clicks = await stored(visitor, 'click');
  const targets = clicks.map((c) => c.target).reverse();
  assert.deepEqual(targets, ['#buy', ...Array(4).fill('#app>button.secondary'), '#submit']);
  const buy = clicks.find((c) => c.target === '#buy');
  assert.equal(buy.text, 'Buy now');
  assert.ok(Number.isInteger(buy.x) && Number.isInteger(buy.y) && buy.x > 0 && buy.y > 0);
  const rage = await stored(visitor, 'rage_click');
  assert.equal(rage.length, 1, 'four quick clicks are one rage click');
  assert.deepEqual([rage[0].target, rage[0].count], ['#app>button.secondary', 3]);
  const everything = JSON.stringify(await stored(visitor));
  for (const secret of ['alice@example.com', 'hunter2', '4111', 'Account 1234', 'private-button']) {
    assert.ok(!everything.includes(secret), `${secret} never leaves the page`);
  }
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a visitor and a session shared by tabs; nothing stored without consent', async () => {
  const first = await open();
  const second = await open({}, first.context);
  await Promise.all([first, second].map(({ page }) => page.evaluate(() => window.Monitor.track('tab'))));
  const tracks = await waitStored(first.visitor, 'custom', 2);
  assert.equal(second.visitor, first.visitor, 'one visitor per browser');
  assert.equal(new Set(tracks.map((t) => t.user.session_id)).size, 1, 'one session for both tabs');
  assert.match(tracks[0].user.session_id, /^[0-9a-f]{32}$/);
  const other = await open();
  assert.notEqual(other.visitor, first.visitor, 'another browser profile is another visitor');

  const consentless = await open({ storage: false });
  assert.equal(consentless.visitor, null);
  await consentless.page.evaluate(() => window.Monitor.track('no-consent'));
  const events = await waitFor(async () => {
    const found = (await collector.events()).filter((e) => e.name === 'no-consent');
    return found.length ? found : null;
  });
  assert.match(events[0].user.visitor_id, /^[0-9a-f]{32}$/, 'still counted, for this page load only');
  assert.deepEqual(
    await consentless.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('__monitor'))),
    [],
  );
  for (const { context } of [first, other, consentless]) await context.close();
});

test('breadcrumbs: clicks, key presses, navigation and console, attached to a later error', async () => {
  const { page, visitor } = await open();
  const printed = [];
  page.on('console', (m) => printed.push([m.type(), m.text()]));
  await page.click('#buy');
  await page.fill('#email', 'a');
  await page.type('#email', 'bcd');
  await page.evaluate(async () => {
    history.pushState(null, '', '/app/account');
    await new Promise((r) => setTimeout(r, 50));
    console.warn('low stock', { sku: 7 });
    console.error('payment provider slow');
    console.log('not a breadcrumb by default');
    setTimeout(() => {
      throw new Error('after the trail');
    });
  });
  const [error] = await waitStored(visitor, 'error', 1);
  const crumbs = error.breadcrumbs.map((b) => [b.category, b.message.replace(site.url, ''), b.level]);
  assert.deepEqual(crumbs.filter(([c]) => c !== 'http'), [
    ['ui.click', '#buy', 'info'],
    ['ui.input', '#email', 'info'],
    ['navigation', '/app/account', 'info'],
    ['console', 'low stock {"sku":7}', 'warning'],
    ['console', 'payment provider slow', 'error'],
  ]);
  const navigation = error.breadcrumbs.find((b) => b.category === 'navigation');
  assert.equal(navigation.data.to.replace(site.url, ''), '/app/account');
  assert.equal(navigation.data.how, 'push');
  // The page's console output is still there (its exact sameness: invariance.test.mjs).
  const own = printed.filter(([, text]) => !text.includes('[monitor-sdk]'));
  assert.deepEqual(
    own.map(([type, text]) => [type, text.split(' ').slice(0, 2).join(' ')]),
    [
      ['warning', 'low stock'],
      ['error', 'payment provider'],
      ['log', 'not a'],
    ],
  );
  await page.context().close();
});

test('every capture can be switched off; allowUrls keeps only errors thrown from matching files', async () => {
  const { page, visitor } = await open({ autoCapture: false, breadcrumbs: false, webVitals: false, allowUrls: ['/stack.js'] });
  await page.click('#buy');
  await page.evaluate(async () => {
    history.pushState(null, '', '/elsewhere');
    await fetch('/status/500');
    document.body.insertAdjacentHTML('beforeend', '<img src="/missing/off.png">');
    console.error('not a breadcrumb when they are off');
    const { throwElsewhere } = await import('/other.js');
    setTimeout(throwElsewhere);
    const { outerCall } = await import('/stack.js');
    setTimeout(outerCall, 50);
  });
  const [error] = await waitStored(visitor, 'error', 1);
  assert.equal(error.exception.values.at(-1).value, 'thrown in firefox', 'the stack.js error (named for its Firefox test)');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await stored(visitor, 'error')).length, 1, 'the error from other.js was dropped');
  assert.equal(error.breadcrumbs, undefined, 'no automatic breadcrumbs');
  await page.evaluate(() => window.Monitor.track('end'));
  await waitStored(visitor, 'custom', 1);
  const types = new Set((await stored(visitor)).map((e) => e.type));
  assert.deepEqual([...types].sort(), ['custom', 'error'], 'nothing else was captured');
  await page.context().close();
});

test('where localStorage is blocked, the visitor is kept in a first-party cookie', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  const first = await open({}, context);
  const cookie = async (page) => (await page.evaluate(() => document.cookie)).match(/__monitor_vid=([0-9a-f]{32})/)?.[1];
  const visitor = await cookie(first.page);
  assert.match(visitor ?? '', /^[0-9a-f]{32}$/, 'the visitor id is in a cookie');
  await first.page.reload();
  assert.equal(await first.page.evaluate(() => window.__ready), true);
  await first.page.evaluate(() => window.Monitor.track('after-reload'));
  const [event] = await waitFor(async () => {
    const found = (await collector.events()).filter((e) => e.name === 'after-reload' && e.user?.visitor_id === visitor);
    return found.length ? found : null;
  });
  assert.match(event.user.session_id, /^[0-9a-f]{32}$/);
  assert.equal(await cookie(first.page), visitor, 'the same visitor after a reload');
  await context.close();
});
