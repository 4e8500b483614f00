// What the wasm calls to reach the network and the clock (packages/sdk-browser/src/
// transport.rs): a keepalive fetch per batch with its answer sent back, sendBeacon when the
// page goes away, and a timer. The fetch is the page's original one, taken before the
// network module wrapped it, so the SDK's own requests are never reported as the page's.

import { guard } from './core.js';
import { selector } from './dom.js';
import { originalFetch } from './network.js';
import { load, save } from './storage.js';

// The request in flight, for flush() to wait on.
export const inFlight = { promise: null };

// `onResponse(id, status, retryAfter)` and `tick()` are the wasm's.
export function makeHost(onResponse, tick) {
  const report = (id, status, retryAfter) => guard(onResponse, id, status, retryAfter);
  return {
    global: globalThis,
    // Posts batch `id`; the answer goes back to the wasm with the id.
    send(url, body, id) {
      inFlight.promise = originalFetch(url, { method: 'POST', body, keepalive: true }).then(
        (res) => report(id, res.status, parseInt(res.headers.get('retry-after'), 10)),
        () => report(id, 0, NaN),
      );
      return true;
    },
    // The page is going away; returns whether the browser took the body (no answer follows).
    beacon(url, body) {
      return navigator.sendBeacon(url, body);
    },
    schedule(ms) {
      setTimeout(() => guard(tick), ms);
    },
    selector,
    load,
    save,
  };
}
