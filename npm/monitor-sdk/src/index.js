// @org/monitor-sdk: the ESM entry and loader around the Rust/wasm SDK.
//
// `init()` installs one window error/rejection listener for the page's life and starts loading
// the wasm. Until the wasm runs, the listener records errors (into the queue the optional
// <head> snippet also fills) and API calls are queued; then both queues are replayed and the
// listener forwards each event to the wasm. This file also does the SDK's DOM calls (fetch,
// sendBeacon, setTimeout, lifecycle listeners, performance observers for web vitals) for the
// wasm, so the wasm needs no JS closures; every decision stays in Rust. Every export catches
// everything: the SDK must never throw into the page.

// Named imports (not `* as`), so the bundler drops the glue's unused exports.
import loadWasm, {
  capture,
  close as closeWasm,
  flushStep,
  init as initWasm,
  onResponse,
  pageLeave,
  perf,
  scope,
  tick,
} from './monitor_sdk.js';

const QUEUE = '__monitorQ';
const SNIPPET_HANDLER = '__monitorQH';
const MAX_EARLY = 50;
const MAX_CALLS = 100;

// Kinds of the wasm `capture` and `scope` dispatchers (packages/sdk-browser/src/api.rs).
const CAPTURE_EARLY = 3;
const CAPTURE_DOM_EVENT = 4;
const SCOPE_USER_FIELD = 0;
const SCOPE_TAG = 1;
const SCOPE_USER_CLEAR = 3;
const MAX_FIELDS = 50;

// Kinds of the wasm `perf` dispatcher (packages/sdk-browser/src/vitals.rs).
const PERF_START = 0;
const PERF_ENTRIES = 1;
const PERF_INPUT = 2;
const PERF_HIDDEN = 3;
const PERF_RESTORE = 4;
const PERF_RESTORED = 5;
const PERF_LOADED = 6;
const PERF_TIMER = 7;

const IDLE = 0;
const LOADING = 1;
const READY = 2;
const FAILED = 3;
const CLOSED = 4;

// The wasm takes the user and tags one field at a time (enumerating is cheaper in JS).
function fields(object) {
  return object && typeof object === 'object' ? Object.entries(object).slice(0, MAX_FIELDS) : [];
}

function applyUser(user) {
  scope(SCOPE_USER_CLEAR);
  for (const [key, value] of fields(user)) scope(SCOPE_USER_FIELD, key, value);
}

const dispatchers = { capture, scope, user: (_kind, user) => applyUser(user) };

let state = IDLE;
let ready = Promise.resolve(false);
let pendingCalls = [];
let options = {};
let integrations = [];
let debug = false;
let inFlight = null;
let listening = false;
let observers = [];
let inputSeen = false;

function warn(...args) {
  if (debug && typeof console !== 'undefined') {
    try {
      console.warn('[monitor-sdk]', ...args);
    } catch (_) {
      // console itself may be broken by the page
    }
  }
}

// Runs `fn`; a throw (a bug, or the page breaking a global we use) is logged, never raised.
function guard(fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    warn(fn.name, error);
    return undefined;
  }
}

function safeCall(name, args) {
  return guard(dispatchers[name], ...args);
}

function earlyQueue() {
  const q = Array.isArray(window[QUEUE]) ? window[QUEUE] : [];
  window[QUEUE] = q;
  return q;
}

// The page's uncaught errors and unhandled rejections, for the page's whole life.
function onError(event) {
  if (state === READY) {
    safeCall('capture', [CAPTURE_DOM_EVENT, event]);
  } else if (state === LOADING && typeof window[SNIPPET_HANDLER] !== 'function') {
    // (With the snippet present, it records into the same queue.)
    const q = earlyQueue();
    if (q.length < MAX_EARLY) q.push([event, Date.now()]);
  }
}

function onVisibility(event) {
  if (document.visibilityState !== 'hidden') return;
  if (state === READY) {
    // Entries the observers hold but have not delivered yet belong to the final values.
    for (const observer of observers) {
      const records = observer.takeRecords();
      if (records.length) guard(perf, PERF_ENTRIES, records);
    }
    guard(perf, PERF_HIDDEN, undefined, event.timeStamp);
  }
  onLeave();
}

// The first trusted keydown or click ends LCP. Handled when the browser is idle, so the
// report does not add to that interaction's own latency.
function onInput(event) {
  if (state !== READY || inputSeen || !event.isTrusted) return;
  inputSeen = true;
  const idle = window.requestIdleCallback || setTimeout;
  idle(() => guard(perf, PERF_INPUT), { timeout: 1000 });
}

// A restore from the back/forward cache starts fresh metrics; the page's first frame after
// it (two animation frames later) ends the restored FCP and LCP.
function onPageShow(event) {
  if (state !== READY || !event.persisted) return;
  guard(perf, PERF_RESTORE, undefined, event.timeStamp);
  requestAnimationFrame(() => requestAnimationFrame(() => guard(perf, PERF_RESTORED)));
}

// Calls the wasm's vitals timer again after `delay` ms, for as long as it asks.
function vitalsTimer(delay) {
  if (typeof delay === 'number' && state === READY) {
    setTimeout(() => vitalsTimer(guard(perf, PERF_TIMER)), delay);
  }
}

// Starts web vitals: one PerformanceObserver per entry type the wasm asks for (buffered, so
// entries from before the SDK loaded count too), and the load-event hook for TTFB.
function startVitals() {
  if (document.prerendering) {
    // A prerendered page is measured from when it is shown.
    document.addEventListener('prerenderingchange', () => guard(startVitals), { once: true });
    return;
  }
  inputSeen = false;
  const types = perf(PERF_START);
  const supported = (typeof PerformanceObserver === 'function' && PerformanceObserver.supportedEntryTypes) || [];
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

function onLeave() {
  if (state === READY) guard(pageLeave);
}

// [target, type, handler, capture]: the lifecycle and input listeners capture, so a page
// that stops an event's propagation cannot hide it.
const LISTENERS = [
  [() => window, 'error', onError],
  [() => window, 'unhandledrejection', onError],
  [() => window, 'pagehide', onLeave],
  [() => document, 'visibilitychange', onVisibility, true],
  [() => window, 'pageshow', onPageShow, true],
  [() => window, 'keydown', onInput, true],
  [() => window, 'click', onInput, true],
];

function listen(on) {
  if (listening === on) return;
  listening = on;
  for (const [target, type, fn, capture] of LISTENERS) {
    target()[on ? 'addEventListener' : 'removeEventListener'](type, fn, !!capture);
  }
}

function dropSnippet() {
  const handler = window[SNIPPET_HANDLER];
  if (typeof handler === 'function') {
    window.removeEventListener('error', handler);
    window.removeEventListener('unhandledrejection', handler);
  }
  window[SNIPPET_HANDLER] = undefined;
}

function report(id, status, retryAfter) {
  guard(onResponse, id, status, retryAfter);
}

// What the wasm calls (packages/sdk-browser/src/transport.rs and api.rs).
const host = {
  global: globalThis,
  // Posts batch `id`; the answer goes back to the wasm with the id.
  send(url, body, id) {
    inFlight = fetch(url, { method: 'POST', body, keepalive: true }).then(
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
  // Names an element for web-vitals attribution the way Google's web-vitals does: `tag.classes`
  // (sorted) per level, joined by `>`, up to an element with an id, at most 100 characters.
  selector(node) {
    let path = '';
    try {
      for (let depth = 0; node && node.nodeType !== 9 && depth < 50; depth++) {
        const part = node.id
          ? '#' + node.id
          : [
              node.nodeType === 1 ? node.nodeName.toLowerCase() : node.nodeName.toUpperCase().replace(/^#/, ''),
              ...Array.from(node.classList || []).sort(),
            ].join('.');
        if (path.length + part.length > 99) return path || part;
        path = path ? part + '>' + path : part;
        if (node.id) break;
        node = node.parentNode;
      }
    } catch (_) {
      // a detached or exotic node: what was built so far
    }
    return path;
  },
};

// Runs JS integrations' processEvent and beforeSend on the encoded event. Returns the JSON to
// send, null to drop, or undefined to keep the event as it was.
function processEvent(json) {
  let event = JSON.parse(json);
  for (const integration of integrations) {
    if (typeof integration.processEvent !== 'function') continue;
    event = integration.processEvent(event);
    if (event === null || event === undefined) return null;
  }
  if (typeof options.beforeSend === 'function') {
    event = options.beforeSend(event);
    if (event === null || event === undefined || event === false) return null;
  }
  if (typeof event !== 'object' || typeof event.then === 'function') {
    warn('beforeSend must return an event or null; sent unchanged');
    return undefined;
  }
  return JSON.stringify(event);
}

function onWasmReady() {
  const hooked =
    typeof options.beforeSend === 'function' ||
    integrations.some((i) => typeof i.processEvent === 'function');
  const running = initWasm(options, hooked ? { ...host, process: processEvent } : host);
  dropSnippet();
  const early = earlyQueue().splice(0);
  if (!running) return fail();
  state = READY;
  if (options.user) safeCall('user', [0, options.user]);
  for (const [key, value] of fields(options.tags)) safeCall('scope', [SCOPE_TAG, key, value]);
  // The client handed to JS integrations' setup().
  const client = {
    captureException,
    captureMessage,
    track,
    addBreadcrumb,
    setTag,
    setUser,
    setExtra,
    flush,
    getOptions: () => options,
  };
  for (const integration of integrations) {
    if (typeof integration.setup === 'function') guard(() => integration.setup(client));
  }
  for (const record of early) safeCall('capture', [CAPTURE_EARLY, record]);
  const calls = pendingCalls;
  pendingCalls = [];
  for (const [name, args] of calls) safeCall(name, args);
  guard(startVitals);
  return true;
}

function fail() {
  state = FAILED;
  pendingCalls = [];
  guard(listen, false);
  guard(dropSnippet);
  return false;
}

/**
 * Starts the SDK. Resolves to true once it runs, false when it cannot (bad DSN, disabled,
 * no window, wasm failed to load). Never rejects.
 */
export function init(userOptions) {
  try {
    if (typeof window === 'undefined' || state === LOADING || state === READY) return ready;
    options = userOptions && typeof userOptions === 'object' ? { ...userOptions } : {};
    debug = options.debug === true;
    integrations = Array.isArray(options.integrations)
      ? options.integrations.filter((i) => i && typeof i === 'object')
      : [];
    state = LOADING;
    if (options.enabled !== false) listen(true);
    const source = options.wasmUrl ? { module_or_path: options.wasmUrl } : undefined;
    ready = loadWasm(source)
      .then(onWasmReady)
      .catch((error) => {
        warn('init:', error);
        return fail();
      });
    return ready;
  } catch (error) {
    warn('init:', error);
    return Promise.resolve(fail());
  }
}

// Wraps one of the wasm dispatchers (`capture`, `scope`) for one `kind`: runs it when ready,
// queues it while loading (states are ordered: IDLE and LOADING are below READY), ignores it
// otherwise.
function api(name, kind) {
  return (a, b) => {
    if (state === READY) return safeCall(name, [kind, a, b]);
    if (state < READY && pendingCalls.length < MAX_CALLS) {
      pendingCalls.push([name, [kind, a, b]]);
    }
    return undefined;
  };
}

/** Reports an error the app caught. Returns the event id once the SDK runs. */
export const captureException = api('capture', 0);
/** Reports a message; level is one of fatal, error, warning, info (default), debug. */
export const captureMessage = api('capture', 1);
/** Records a custom event with optional JSON-serialisable data. */
export const track = api('capture', 2);
/** Sets the user attached to later events; null clears it. */
export const setUser = api('user', 0);
/** Sets a tag attached to later events. */
export const setTag = api('scope', 1);
/** Adds a breadcrumb to the trail sent with later events. */
export const addBreadcrumb = api('scope', 2);
/** Sets extra data (any JSON-serialisable value) on later events; undefined removes it. */
export const setExtra = api('scope', 4);

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends everything queued. Resolves to true when the queue is empty, false on timeout,
 * when the collector asked to wait, or when the SDK is not running. Never rejects.
 */
export async function flush(timeout = 2000) {
  try {
    const deadline = Date.now() + timeout;
    await Promise.race([ready, sleep(timeout)]);
    while (state === READY) {
      // 0: all sent, 1: a request is in flight, 2: the collector asked to wait.
      const step = flushStep();
      if (step !== 1) return step === 0;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([inFlight, sleep(left)]);
    }
    return false;
  } catch (error) {
    warn('flush:', error);
    return false;
  }
}

/** Flushes, then stops the SDK: listeners removed, later calls ignored. */
export async function close(timeout = 2000) {
  const flushed = await flush(timeout);
  guard(listen, false);
  for (const observer of observers) guard(() => observer.disconnect());
  observers = [];
  if (state === READY) guard(closeWasm);
  state = CLOSED;
  return flushed;
}

/** Whether the SDK is running. */
export function isEnabled() {
  return state === READY;
}
