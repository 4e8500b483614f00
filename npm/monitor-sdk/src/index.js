// @org/monitor-sdk: the ESM entry and loader around the Rust/wasm SDK.
//
// `init()` installs one window error/rejection listener for the page's life and starts loading
// the wasm. Until the wasm runs, the listener records errors (into the queue the optional
// <head> snippet also fills) and API calls are queued; then both queues are replayed and the
// listener forwards each event to the wasm. This file also does the SDK's DOM calls (fetch,
// sendBeacon, setTimeout, lifecycle listeners) for the wasm, so the wasm needs no JS closures;
// every decision stays in Rust. Every export catches everything: the SDK must never throw into
// the page.

// Named imports (not `* as`), so the bundler drops the glue's unused exports.
import loadWasm, {
  capture,
  close as closeWasm,
  flushStep,
  init as initWasm,
  onResponse,
  pageLeave,
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

function onVisibility() {
  if (document.visibilityState === 'hidden') onLeave();
}

function onLeave() {
  if (state === READY) guard(pageLeave);
}

const LISTENERS = [
  [() => window, 'error', onError],
  [() => window, 'unhandledrejection', onError],
  [() => window, 'pagehide', onLeave],
  [() => document, 'visibilitychange', onVisibility],
];

function listen(on) {
  if (listening === on) return;
  listening = on;
  for (const [target, type, fn] of LISTENERS) {
    target()[on ? 'addEventListener' : 'removeEventListener'](type, fn);
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
  if (state === READY) guard(closeWasm);
  state = CLOSED;
  return flushed;
}

/** Whether the SDK is running. */
export function isEnabled() {
  return state === READY;
}
