// The page's HTTP calls: `fetch` and `XMLHttpRequest` are wrapped so that each finished call
// is reported (method, URL, status, duration, error), for breadcrumbs and `http_error`
// events; which statuses count as errors is the wasm's decision.
//
// The page must not be able to tell: the wrapped fetch resolves to the very Response and
// rejects with the very error the original did; XHR keeps its constructor (so `instanceof` holds) and
// only its `open` and `send` are wrapped; its events reach the page's listeners in the same
// order, our listeners only note what happened. The SDK's own requests use the original
// `fetch`, taken before wrapping, so they are never reported.

import { guard, wrap } from './core.js';

// What the loader's transport uses: the page's fetch as it was before the SDK.
export const originalFetch = typeof fetch === 'function' ? fetch : undefined;

function now() {
  return performance.now();
}

// Whole milliseconds since `started`.
function since(started) {
  return Math.round(now() - started);
}

// Method and URL of a fetch call, whatever the page passed (string, URL, Request, init).
function fetchTarget(input, init) {
  const request = typeof Request === 'function' && input instanceof Request ? input : null;
  const method = (init && init.method) || (request && request.method) || 'GET';
  const url = request ? request.url : String(input);
  return [String(method).toUpperCase(), url];
}

function errorText(error) {
  try {
    return error && error.name ? error.name + ': ' + error.message : String(error);
  } catch (_) {
    return 'error';
  }
}

// Wraps `win.fetch` and XHR; `report(record, url)` gets `{kind, method, status, duration,
// error}` and the URL once per finished call. Returns a function that undoes the wrapping.
export function wrapNetwork(win, report) {
  const undo = [];
  undo.push(
    wrap(win, 'fetch', (original) =>
      function (input, init) {
        const started = now();
        // The original call comes first and is not guarded: what it throws is the page's.
        const pending = original.apply(this, arguments);
        const target = guard(fetchTarget, input, init) || ['GET', ''];
        const done = (status, error) =>
          guard(report, { kind: 'fetch', method: target[0], status, duration: since(started), error: error || undefined }, target[1]);
        // The page gets a promise of the same Response or the same error. Not `pending`
        // itself with a handler of ours on it: that would mark a rejection the page never
        // handles as handled, and its `unhandledrejection` would not fire.
        return pending.then(
          (response) => {
            done(response.status, '');
            return response;
          },
          (error) => {
            done(0, errorText(error));
            throw error;
          },
        );
      },
    ),
  );
  const proto = win.XMLHttpRequest && win.XMLHttpRequest.prototype;
  if (proto) {
    const calls = new WeakMap();
    undo.push(
      wrap(proto, 'open', (original) =>
        function (method, url) {
          guard(() => calls.set(this, { method: String(method).toUpperCase(), url: String(url) }));
          return original.apply(this, arguments);
        },
      ),
    );
    undo.push(
      wrap(proto, 'send', (original) =>
        function () {
          guard(watchXhr, this, calls.get(this), report);
          return original.apply(this, arguments);
        },
      ),
    );
  }
  return () => undo.forEach((fn) => fn());
}

// Listens (after the page's own listeners added before `send`) for how the call ends.
function watchXhr(xhr, call, report) {
  if (!call) return;
  const started = now();
  let error = '';
  const note = (event) => {
    error = event.type === 'timeout' ? 'timeout' : event.type === 'abort' ? 'aborted' : 'network error';
  };
  for (const type of ['error', 'abort', 'timeout']) xhr.addEventListener(type, note);
  xhr.addEventListener('loadend', function finished() {
    for (const type of ['error', 'abort', 'timeout']) xhr.removeEventListener(type, note);
    xhr.removeEventListener('loadend', finished);
    guard(report, { kind: 'xhr', method: call.method, status: error ? 0 : xhr.status, duration: since(started), error: error || undefined }, call.url);
  });
}
