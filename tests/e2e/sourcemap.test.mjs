// Source maps as a user meets them: the test app built for production by Vite (minified,
// source maps on), its assets uploaded with `monitor-collector sourcemaps upload`, the page
// opened in Chromium, and the app's uncaught error read back through the query API with the
// original file, line, column and function of src/main.js, and the source lines around it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './lib/app.mjs';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { API_TOKEN, collectorBin, startCollector } from './lib/collector.mjs';
import { e2eDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';

const MESSAGE = 'uncaught error after ready';
const NEEDLE = "throw new Error('uncaught error after ready')";

let app;
let site;
let browser;
let collector;

before(async () => {
  app = await buildApp({ production: true });
  site = await serveDir(app.outDir);
  browser = await launchChromium();
  collector = await startCollector();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
});

/** 1-based line and column of `needle` in the app's own source. */
function originalPosition(needle) {
  const lines = readFileSync(join(e2eDir, 'app', 'src', 'main.js'), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} not in main.js`);
  return { lineno: index + 1, colno: lines[index].indexOf(needle) + 1 };
}

async function api(path) {
  const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

test('a minified production error comes back with its original file, line and function', async () => {
  const printed = execFileSync(
    collectorBin(),
    ['sourcemaps', 'upload', '--release', 'e2e-app@1.0.0', '--url-prefix', '~/assets',
      '--server', collector.url, '--token', API_TOKEN, join(app.outDir, 'assets')],
    { encoding: 'utf8' },
  );
  assert.match(printed, /uploaded ~\/assets\/index-[\w-]+\.js\.map/);

  const page = await browser.newPage();
  const dsn = `http://demo-public-key@${new URL(collector.url).host}/1`;
  await page.goto(`${site.url}/?${new URLSearchParams({ dsn })}`);
  await waitFor(() => page.evaluate(() => window.__done === true), { what: 'the app to finish' });
  const event = await waitFor(async () => {
    const events = await collector.events();
    return events.find((e) => e.type === 'error' && e.exception?.values?.at(-1)?.value === MESSAGE);
  }, { what: `the stored "${MESSAGE}"` });
  await page.close();

  const frames = event.exception.values.at(-1).stacktrace.frames;
  const top = frames.at(-1);
  // V8 and SpiderMonkey put a thrown `new Error(...)` at the `new`.
  const expected = originalPosition("new Error('uncaught error after ready')");
  // The build really was minified: the browser saw another name on a bundled line.
  assert.match(top.minified.filename, /\/assets\/index-[\w-]+\.js$/);
  assert.notEqual(top.minified.function, 'throwAfterReady', 'esbuild renamed the function');
  assert.equal(top.filename, 'src/main.js');
  assert.equal(top.function, 'throwAfterReady');
  assert.equal(top.lineno, expected.lineno);
  assert.equal(top.colno, expected.colno);
  assert.equal(top.in_app, true);
  assert.ok(top.context_line.includes(NEEDLE), top.context_line);
  assert.ok(top.pre_context.some((line) => line.includes('function throwAfterReady()')), top.pre_context.join('\n'));

  // The issue is named after the original code.
  const { issues } = await api('/api/1/issues');
  const issue = issues.find((i) => i.title === `Error: ${MESSAGE}`);
  assert.ok(issue, issues.map((i) => i.title).join(', '));
  assert.equal(issue.culprit, 'throwAfterReady (src/main.js)');

  // What the SDK itself threw through (none here) or bundled in is never the app's code:
  // every frame mapped into node_modules is marked as a library frame.
  for (const value of event.exception.values) {
    for (const frame of value.stacktrace?.frames ?? []) {
      if (frame.filename.includes('node_modules/')) assert.equal(frame.in_app, false, frame.filename);
    }
  }
});
