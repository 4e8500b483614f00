// The fetch and XHR wrappers (src/network.js): the page sees what it saw without the SDK.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { wrapNetwork } from '../src/network.js';
import { tick } from './dom-shim.mjs';

function fakeWindow(fetchImpl) {
  return { fetch: fetchImpl, XMLHttpRequest: FakeXhr };
}

test('fetch resolves to the very Response and rejects with the very error', async () => {
  const response = new Response('ok', { status: 503 });
  const failure = new TypeError('Failed to fetch');
  const win = fakeWindow(function fetch(input) {
    return String(input).includes('down') ? Promise.reject(failure) : Promise.resolve(response);
  });
  const original = win.fetch;
  const reports = [];
  const unwrap = wrapNetwork(win, (record, url) => reports.push([record, url]));
  assert.equal(win.fetch.toString(), Function.prototype.toString.call(original));
  assert.equal(win.fetch.name, 'fetch');
  assert.equal(win.fetch.length, original.length);

  assert.equal(await win.fetch('/api/cart', { method: 'post' }), response);
  await assert.rejects(win.fetch('https://down.test/x'), (e) => e === failure);
  await tick();
  assert.equal(reports.length, 2);
  const [[ok, okUrl], [bad, badUrl]] = reports;
  assert.deepEqual([okUrl, ok.kind, ok.method, ok.status, ok.error], ['/api/cart', 'fetch', 'POST', 503, undefined]);
  assert.ok(Number.isInteger(ok.duration) && ok.duration >= 0);
  assert.deepEqual([badUrl, bad.status, bad.error], ['https://down.test/x', 0, 'TypeError: Failed to fetch']);

  // A Request carries its own method and URL.
  await win.fetch(new Request('https://app.test/items', { method: 'DELETE' }));
  await tick();
  assert.deepEqual([reports[2][1], reports[2][0].method], ['https://app.test/items', 'DELETE']);
  unwrap();
  assert.equal(win.fetch, original, 'unwrapping puts the original back');
});

test('a fetch that throws synchronously throws the same to the page, unreported', () => {
  const bug = new TypeError('Invalid URL');
  const win = fakeWindow(() => {
    throw bug;
  });
  const reports = [];
  wrapNetwork(win, (record) => reports.push(record));
  assert.throws(() => win.fetch('::'), (e) => e === bug);
  assert.deepEqual(reports, []);
});

// (That a rejection the page does not handle still fires `unhandledrejection` is checked in
// a real browser, tests/e2e/invariance.test.mjs: node's test runner takes it as a failure.)

// An XMLHttpRequest stand-in: `send` plays the events of a finished, failed, aborted or
// timed-out call (by URL), in the browser's order.
class FakeXhr extends EventTarget {
  open(method, url) {
    this.url = url;
    this.readyState = 1;
    this.log = [];
  }
  send() {
    const outcome = this.url.includes('fail') ? 'error' : this.url.includes('slow') ? 'timeout' : 'load';
    queueMicrotask(() => {
      this.readyState = 4;
      this.status = outcome === 'load' ? 201 : 0;
      this.dispatchEvent(new Event('readystatechange'));
      this.dispatchEvent(new Event(outcome));
      this.dispatchEvent(new Event('loadend'));
    });
  }
}

test('XHR keeps its constructor, its events reach the page in the same order, calls are reported', async () => {
  const win = fakeWindow(() => Promise.resolve(new Response('')));
  const proto = FakeXhr.prototype;
  const [open, send] = [proto.open, proto.send];
  const reports = [];
  const unwrap = wrapNetwork(win, (record, url) => reports.push([record, url]));
  assert.equal(proto.open.toString(), Function.prototype.toString.call(open));
  const orders = [];
  for (const url of ['/ok', '/fail', '/slow']) {
    const xhr = new win.XMLHttpRequest();
    assert.ok(xhr instanceof FakeXhr);
    const order = [];
    for (const type of ['readystatechange', 'load', 'error', 'timeout', 'loadend']) {
      xhr.addEventListener(type, () => order.push(type + ':' + xhr.readyState));
    }
    xhr.open('get', url);
    xhr.send();
    orders.push(order);
  }
  await tick();
  assert.deepEqual(orders, [
    ['readystatechange:4', 'load:4', 'loadend:4'],
    ['readystatechange:4', 'error:4', 'loadend:4'],
    ['readystatechange:4', 'timeout:4', 'loadend:4'],
  ]);
  assert.deepEqual(
    reports.map(([r, url]) => [url, r.kind, r.method, r.status, r.error]),
    [
      ['/ok', 'xhr', 'GET', 201, undefined],
      ['/fail', 'xhr', 'GET', 0, 'network error'],
      ['/slow', 'xhr', 'GET', 0, 'timeout'],
    ],
  );
  unwrap();
  assert.deepEqual([proto.open, proto.send], [open, send]);
});

test('a report that throws never reaches the page', async () => {
  const response = new Response('');
  const win = fakeWindow(() => Promise.resolve(response));
  wrapNetwork(win, () => {
    throw new Error('SDK bug');
  });
  assert.equal(await win.fetch('/x'), response);
});
