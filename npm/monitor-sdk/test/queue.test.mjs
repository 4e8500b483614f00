// The public API's call queue before the wasm runs (src/queue.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CLOSED, FAILED, IDLE, LOADING, READY, sdk } from '../src/core.js';
import { MAX_CALLS, api, dropQueue, queued, replay, setDispatch } from '../src/queue.js';

function recorder() {
  const calls = [];
  setDispatch((name, args) => {
    calls.push([name, ...args]);
    return 'id-' + calls.length;
  });
  return calls;
}

test('calls made while loading are replayed in order once ready', () => {
  const calls = recorder();
  sdk.state = LOADING;
  const track = api('capture', 2);
  const setTag = api('scope', 1);
  assert.equal(track('signup', { plan: 'pro' }), undefined, 'no id before the wasm runs');
  setTag('route', '/home');
  assert.equal(queued(), 2);
  assert.deepEqual(calls, []);
  sdk.state = READY;
  replay();
  assert.deepEqual(calls, [
    ['capture', 2, 'signup', { plan: 'pro' }],
    ['scope', 1, 'route', '/home'],
  ]);
  assert.equal(track('later'), 'id-3', 'once ready, calls run at once and return the id');
  assert.equal(queued(), 0);
});

test('the queue is bounded and dropped when the SDK cannot start', () => {
  const calls = recorder();
  sdk.state = IDLE;
  const message = api('capture', 1);
  for (let i = 0; i < MAX_CALLS + 20; i++) message('m' + i);
  assert.equal(queued(), MAX_CALLS);
  dropQueue();
  sdk.state = FAILED;
  message('after failure');
  assert.equal(queued(), 0, 'a failed SDK queues nothing');
  sdk.state = READY;
  replay();
  assert.deepEqual(calls, []);
});

test('after close calls are ignored, and a throwing dispatch never reaches the page', () => {
  setDispatch(() => {
    throw new Error('wasm bug');
  });
  sdk.state = READY;
  assert.equal(api('capture', 0)(new Error('x')), undefined);
  const calls = recorder();
  sdk.state = CLOSED;
  api('capture', 0)(new Error('y'));
  assert.equal(queued(), 0);
  assert.deepEqual(calls, []);
});
