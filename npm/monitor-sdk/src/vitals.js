// Web vitals wiring: one buffered PerformanceObserver per entry type the wasm asks for, and
// the lifecycle moments the metrics need (first input, hidden, bfcache restore, load). The
// metrics themselves are computed in the wasm (packages/sdk-browser-utils/src/vitals/).

import { guard, ready } from './core.js';

// Kinds of the wasm `perf` dispatcher (packages/sdk-browser/src/vitals.rs).
const PERF_START = 0;
const PERF_ENTRIES = 1;
const PERF_INPUT = 2;
const PERF_HIDDEN = 3;
const PERF_RESTORE = 4;
const PERF_RESTORED = 5;
const PERF_LOADED = 6;
const PERF_TIMER = 7;

let perf = () => undefined;
let observers = [];
let inputSeen = false;

// Entries the observers hold but have not delivered yet belong to the final values; then
// the metrics learn that the page is hidden.
export function vitalsHidden(timeStamp) {
  for (const observer of observers) {
    const records = observer.takeRecords();
    if (records.length) guard(perf, PERF_ENTRIES, records);
  }
  guard(perf, PERF_HIDDEN, undefined, timeStamp);
}

// The first trusted keydown or click ends LCP. Handled when the browser is idle, so the
// report does not add to that interaction's own latency.
export function vitalsInput(event) {
  if (!ready() || inputSeen || !event.isTrusted) return;
  inputSeen = true;
  const idle = window.requestIdleCallback || setTimeout;
  idle(() => guard(perf, PERF_INPUT), { timeout: 1000 });
}

// A restore from the back/forward cache starts fresh metrics; the page's first frame after
// it (two animation frames later) ends the restored FCP and LCP.
export function vitalsPageShow(event) {
  if (!ready() || !event.persisted) return;
  guard(perf, PERF_RESTORE, undefined, event.timeStamp);
  requestAnimationFrame(() => requestAnimationFrame(() => guard(perf, PERF_RESTORED)));
}

// Calls the wasm's vitals timer again after `delay` ms, for as long as it asks.
function vitalsTimer(delay) {
  if (typeof delay === 'number' && ready()) {
    setTimeout(() => vitalsTimer(guard(perf, PERF_TIMER)), delay);
  }
}

// Starts measuring with the wasm's `perf` dispatcher. The entry types the browser supports
// go back to the wasm with the start, so that a metric the browser cannot measure (CLS and
// TBT in Firefox, which has no layout-shift or longtask entries) is not reported at all,
// rather than as a perfect 0.
export function startVitals(perfFn) {
  perf = perfFn;
  if (document.prerendering) {
    // A prerendered page is measured from when it is shown.
    document.addEventListener('prerenderingchange', () => guard(startVitals, perfFn), { once: true });
    return;
  }
  inputSeen = false;
  const supported = (typeof PerformanceObserver === 'function' && PerformanceObserver.supportedEntryTypes) || [];
  const types = perf(PERF_START, supported.join(' '));
  for (const type of types ? types.split(' ') : []) {
    if (!supported.includes(type)) continue;
    // One type failing to observe (an old browser's quirk) must not cost the others.
    guard(() => {
      const observer = new PerformanceObserver((list) => guard(perf, PERF_ENTRIES, list.getEntries()));
      // durationThreshold applies to `event` entries only: INP ignores anything under 40 ms.
      observer.observe({ type, buffered: true, durationThreshold: 40 });
      observers.push(observer);
    });
  }
  if (!types) return;
  // After the load event's own task, so loadEventEnd is set.
  const loaded = () => setTimeout(() => vitalsTimer(guard(perf, PERF_LOADED)));
  if (document.readyState === 'complete') loaded();
  else window.addEventListener('load', loaded, { once: true });
}

export function stopVitals() {
  for (const observer of observers) guard(() => observer.disconnect());
  observers = [];
}
