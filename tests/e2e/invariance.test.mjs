// The SDK must not change what the page observes. The same probe page (capture/
// invariance.js: fetch answers and failures, an unhandled fetch rejection, XHR event order and
// readyState sequence, History API results and popstate/hashchange, console output, the order
// in which the page's own listeners see a click and a submit, a form submitted into a frame)
// runs in real Chromium once without the SDK and once with it running with every capture on;
// its logs and its console output must be identical.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { startCollector } from './lib/collector.mjs';
import { e2eDir, sdkDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';

let site;
let browser;
let collector;

before(async () => {
  collector = await startCollector();
  site = await serveDir(join(e2eDir, 'capture'), { mounts: { '/sdk/': join(sdkDir, 'dist') } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
});

async function probe(withSdk) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleOut = [];
  const pageErrors = [];
  page.on('console', async (message) => {
    // The SDK's own debug lines, and the browser's network notices (a favicon's 404 comes
    // whenever the browser asks for it), are not the page's output.
    if (message.text().includes('[monitor-sdk]') || message.text().startsWith('Failed to load resource')) return;
    consoleOut.push([message.type(), message.text(), message.args().length]);
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const query = withSdk
    ? `?dsn=${encodeURIComponent(`http://demo-public-key@${new URL(collector.url).host}/1`)}`
    : '';
  await page.goto(`${site.url}/invariance.html${query}`);
  await waitFor(() => page.evaluate(() => window.__probed === true), { what: 'the probes', timeout: 30000 });
  const log = await page.evaluate(() => window.__log);
  const running = await page.evaluate(() => window.__ready);
  await context.close();
  return { log, consoleOut, pageErrors, running };
}

test('fetch, XHR, history, console, forms and listener order are the same with the SDK', async () => {
  const without = await probe(false);
  const withSdk = await probe(true);
  assert.equal(without.running, false);
  assert.equal(withSdk.running, true, 'the SDK ran with every capture on');
  for (const [i, entry] of without.log.entries()) {
    assert.deepEqual(withSdk.log[i], entry, `probe ${entry[0]}`);
  }
  assert.equal(withSdk.log.length, without.log.length);
  assert.deepEqual(withSdk.consoleOut, without.consoleOut, 'console output');
  assert.deepEqual(withSdk.pageErrors, without.pageErrors);
  // The probes saw something: the comparison is not between two empty logs.
  const byName = Object.fromEntries(without.log.map(([name, ...rest]) => [name, rest]));
  assert.deepEqual(byName['fetch.unhandled'], [['TypeError', 'Failed to fetch']]);
  assert.ok(byName['xhr.ok'][0].includes('load:4:200'));
  assert.ok(byName['history.events'][0].length >= 2, 'popstate and hashchange were seen');
  assert.equal(without.consoleOut.length, 4);
  // And the SDK did record the page's calls meanwhile.
  const events = await collector.events();
  assert.ok(events.some((e) => e.type === 'http_error'), 'failed calls were reported');
  assert.ok(events.some((e) => e.type === 'page_view'), 'page views were reported');
});
