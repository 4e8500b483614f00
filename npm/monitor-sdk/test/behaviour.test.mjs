// The behaviour listeners (src/behaviour.js), console wrapping (src/console.js) and error
// listeners (src/errors.js) hand the wasm facts, never what a user typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CLICK, KEY, NAVIGATE, SUBMIT, watchBehaviour } from '../src/behaviour.js';
import { wrapConsole } from '../src/console.js';
import { LOADING, READY, sdk } from '../src/core.js';
import { earlyQueue, errorListener, resourceListener } from '../src/errors.js';
import { FakeElement, dispatch, installDom, tick } from './dom-shim.mjs';

test('clicks and key presses report selector, text and position; private elements nothing', () => {
  const win = installDom();
  const reports = [];
  const stop = watchBehaviour(win, 'dom form history', (kind, a, b) => reports.push([kind, a, b]));
  const main = new FakeElement('main', { id: 'app' });
  const button = new FakeElement('button', { classes: ['primary', 'buy'], text: '  Buy\n now  ', parent: main });
  dispatch(win, 'click', { target: button, clientX: 10.4, clientY: 20.6 });
  const password = new FakeElement('input', { attrs: { type: 'password' }, parent: main });
  dispatch(win, 'click', { target: password, clientX: 1, clientY: 1 });
  dispatch(win, 'keydown', { target: password });
  const quiet = new FakeElement('div', { attrs: { 'data-monitor-ignore': '' }, parent: main });
  const inside = new FakeElement('span', { text: 'secret', parent: quiet });
  dispatch(win, 'click', { target: inside, clientX: 1, clientY: 1 });
  const search = new FakeElement('input', { id: 'q', attrs: { type: 'search' } });
  search.value = 'what the user typed';
  dispatch(win, 'keydown', { target: search, key: 'x' });
  const card = new FakeElement('input', { attrs: { autocomplete: 'cc-number' } });
  dispatch(win, 'keydown', { target: card });
  assert.deepEqual(reports, [
    [CLICK, { target: '#app>button.buy.primary', text: 'Buy now', x: 10, y: 21 }, undefined],
    [KEY, '#q', undefined],
  ]);
  assert.ok(!JSON.stringify(reports).includes('typed'));
  stop();
  dispatch(win, 'click', { target: button, clientX: 0, clientY: 0 });
  assert.equal(reports.length, 2, 'removed listeners report nothing');
});

test('a form submit reports the shape of the form, never a value', () => {
  const win = installDom('https://app.test/signup?step=1');
  const reports = [];
  watchBehaviour(win, 'form', (kind, a) => reports.push([kind, a]));
  const form = new FakeElement('form', { id: 'signup', attrs: { name: 'account', action: '/api/signup?x=1' } });
  form.elements = [{ value: 'alice@example.com' }, { value: 'hunter2' }, {}];
  dispatch(win, 'submit', { target: form });
  assert.deepEqual(reports, [
    [SUBMIT, { target: '#signup', form: { id: 'signup', name: 'account', action: '/api/signup', fields: 3 } }],
  ]);
});

test('history navigations are reported after the page code that made them, with the same results', async () => {
  const win = installDom('https://app.test/');
  const reports = [];
  const original = win.history.pushState;
  const stop = watchBehaviour(win, 'history', (kind, a, b) => reports.push([kind, a, b]));
  assert.equal(win.history.pushState.toString(), Function.prototype.toString.call(original));
  assert.equal(win.history.pushState({ step: 2 }, '', '/cart'), 'push-result');
  assert.deepEqual(win.history.state, { step: 2 });
  assert.deepEqual(reports, [], 'reported after the task, once the page set its title');
  await tick();
  win.history.replaceState(null, '', '/cart?tab=2');
  dispatch(win, 'popstate');
  dispatch(win, 'hashchange');
  await tick();
  assert.deepEqual(reports, [
    [NAVIGATE, 'https://app.test/cart', 'push'],
    [NAVIGATE, 'https://app.test/cart?tab=2', 'pop'],
    [NAVIGATE, 'https://app.test/cart?tab=2', 'hash'],
    [NAVIGATE, 'https://app.test/cart?tab=2', 'replace'],
  ]);
  stop();
  assert.equal(win.history.pushState, original);
});

test('console: the original call with the original arguments, then the report', () => {
  const printed = [];
  const saved = console.warn;
  console.warn = (...args) => printed.push(args);
  const reports = [];
  const stop = wrapConsole(['warn'], (level, message) => reports.push([level, message]));
  const error = new RangeError('too far');
  console.warn('low stock', { sku: 7 }, error);
  assert.deepEqual(printed, [['low stock', { sku: 7 }, error]]);
  assert.deepEqual(reports, [['warn', 'low stock {"sku":7} RangeError: too far']]);
  stop();
  console.warn = saved;
});

test('errors before the wasm runs wait in the early queue; resources are reported apart', () => {
  const win = installDom();
  const forwarded = [];
  const onError = errorListener((event) => forwarded.push(event));
  sdk.state = LOADING;
  const early = new Event('error');
  Object.defineProperty(early, 'target', { value: win });
  onError(early);
  assert.equal(earlyQueue().length, 1);
  sdk.state = READY;
  onError(early);
  assert.deepEqual(forwarded, [early]);

  const reports = [];
  const onResource = resourceListener(['https://app.test/monitor_sdk_bg.wasm'], (record, url) =>
    reports.push([record, url]),
  );
  const img = new FakeElement('img', { classes: ['hero'] });
  img.src = 'https://cdn.test/hero.png';
  const own = new FakeElement('script');
  own.src = 'https://app.test/monitor_sdk_bg.wasm';
  const preload = new FakeElement('link', { attrs: {} });
  preload.rel = 'preload';
  preload.href = 'https://cdn.test/font.woff2';
  const sheet = new FakeElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = 'https://cdn.test/app.css';
  for (const target of [img, own, preload, sheet, win]) {
    const event = new Event('error');
    Object.defineProperty(event, 'target', { value: target });
    onResource(event);
    onError(event);
  }
  assert.deepEqual(reports, [
    [{ tag: 'img', selector: 'img.hero' }, 'https://cdn.test/hero.png'],
    [{ tag: 'link', selector: 'link' }, 'https://cdn.test/app.css'],
  ]);
  assert.equal(forwarded.length, 2, 'only the window error went to the error path');
});
