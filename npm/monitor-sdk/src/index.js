// @org/monitor-sdk: the ESM entry and loader around the Rust/wasm SDK.
//
// `init()` starts loading the wasm and, until it is ready, records uncaught errors and
// unhandled rejections (into the same queue the optional <head> snippet fills) and queues API
// calls. Once the wasm is running it installs its own handlers, stops recording, and replays
// both queues, so nothing that happened during start-up is lost. Every export catches
// everything: the SDK must never throw into the page.

import loadWasm, * as wasm from './monitor_sdk.js';

const QUEUE = '__monitorQ';
const SNIPPET_HANDLER = '__monitorQH';
const MAX_EARLY = 50;
const MAX_CALLS = 100;

const IDLE = 0;
const LOADING = 1;
const READY = 2;
const FAILED = 3;
const CLOSED = 4;

let state = IDLE;
let ready = Promise.resolve(false);
let pendingCalls = [];
let earlyHandler = null;
let options = {};
let integrations = [];
let debug = false;

function win() {
  return typeof window === 'undefined' ? undefined : window;
}

function warn(...args) {
  if (debug && typeof console !== 'undefined') {
    try {
      console.warn('[monitor-sdk]', ...args);
    } catch (_) {
      // console itself may be broken by the page
    }
  }
}

function earlyQueue(w) {
  const q = Array.isArray(w[QUEUE]) ? w[QUEUE] : [];
  w[QUEUE] = q;
  return q;
}

function startEarlyCapture(w) {
  // The <head> snippet, when present, already records into the same queue.
  if (earlyHandler || typeof w[SNIPPET_HANDLER] === 'function') return;
  const q = earlyQueue(w);
  earlyHandler = (event) => {
    if (q.length < MAX_EARLY) q.push([event, Date.now()]);
  };
  w.addEventListener('error', earlyHandler);
  w.addEventListener('unhandledrejection', earlyHandler);
}

function stopEarlyCapture(w) {
  for (const handler of [earlyHandler, w[SNIPPET_HANDLER]]) {
    if (typeof handler === 'function') {
      w.removeEventListener('error', handler);
      w.removeEventListener('unhandledrejection', handler);
    }
  }
  earlyHandler = null;
  w[SNIPPET_HANDLER] = undefined;
}

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
    warn('beforeSend/processEvent must return an event object or null; event sent unchanged');
    return undefined;
  }
  return JSON.stringify(event);
}

// The client handed to JS integrations' setup().
const client = {
  captureException: (error) => captureException(error),
  captureMessage: (message, level) => captureMessage(message, level),
  track: (name, data) => track(name, data),
  addBreadcrumb: (crumb) => addBreadcrumb(crumb),
  setTag: (key, value) => setTag(key, value),
  setUser: (user) => setUser(user),
  flush: (timeout) => flush(timeout),
  getOptions: () => options,
};

function onWasmReady(w) {
  const hasHooks =
    typeof options.beforeSend === 'function' ||
    integrations.some((i) => typeof i.processEvent === 'function');
  const running = wasm.init(options, hasHooks ? processEvent : undefined);
  // The wasm handlers are live now: stop recording in the same task so nothing is seen twice.
  stopEarlyCapture(w);
  const early = earlyQueue(w).splice(0);
  if (!running) {
    state = FAILED;
    pendingCalls = [];
    return false;
  }
  state = READY;
  for (const integration of integrations) {
    if (typeof integration.setup === 'function') {
      try {
        integration.setup(client);
      } catch (error) {
        warn('integration setup failed:', integration.name, error);
      }
    }
  }
  for (const record of early) safeCall('captureEarlyError', [record]);
  const calls = pendingCalls;
  pendingCalls = [];
  for (const [name, args] of calls) safeCall(name, args);
  return true;
}

/**
 * Starts the SDK. Resolves to true once it runs, false when it cannot (bad DSN, disabled,
 * no window, wasm failed to load). Never rejects.
 */
export function init(userOptions) {
  try {
    const w = win();
    if (!w || state === LOADING || state === READY) return ready;
    options = userOptions && typeof userOptions === 'object' ? { ...userOptions } : {};
    debug = options.debug === true;
    integrations = Array.isArray(options.integrations)
      ? options.integrations.filter((i) => i && typeof i === 'object')
      : [];
    state = LOADING;
    startEarlyCapture(w);
    const source = options.wasmUrl ? { module_or_path: options.wasmUrl } : undefined;
    ready = loadWasm(source)
      .then(() => onWasmReady(w))
      .catch((error) => {
        state = FAILED;
        pendingCalls = [];
        try {
          stopEarlyCapture(w);
        } catch (_) {
          // nothing more to undo
        }
        warn('failed to start:', error);
        return false;
      });
    return ready;
  } catch (error) {
    state = FAILED;
    warn('init failed:', error);
    return Promise.resolve(false);
  }
}

function safeCall(name, args) {
  try {
    return wasm[name](...args);
  } catch (error) {
    warn(name, 'failed:', error);
    return undefined;
  }
}

// Wraps a wasm export: runs it when ready, queues it while loading, ignores it otherwise.
function api(name) {
  return (...args) => {
    if (state === READY) return safeCall(name, args);
    if ((state === IDLE || state === LOADING) && pendingCalls.length < MAX_CALLS) {
      pendingCalls.push([name, args]);
    }
    return undefined;
  };
}

/** Reports an error the app caught. Returns the event id once the SDK runs. */
export const captureException = api('captureException');
/** Reports a message; level is one of fatal, error, warning, info (default), debug. */
export const captureMessage = api('captureMessage');
/** Records a custom event with optional JSON-serialisable data. */
export const track = api('track');
/** Sets the user attached to later events; null clears it. */
export const setUser = api('setUser');
/** Sets a tag attached to later events. */
export const setTag = api('setTag');
/** Adds a breadcrumb to the trail sent with later events. */
export const addBreadcrumb = api('addBreadcrumb');

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Sends everything queued. Resolves to true when the queue is empty, false on timeout,
 * when the collector asked to wait, or when the SDK is not running. Never rejects.
 */
export async function flush(timeout = 2000) {
  try {
    const deadline = Date.now() + timeout;
    await Promise.race([ready, sleep(timeout)]);
    if (state !== READY) return false;
    for (;;) {
      const inFlight = wasm.flushStep();
      if (!inFlight) return wasm.queued() === 0;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([inFlight, sleep(left)]);
    }
  } catch (error) {
    warn('flush failed:', error);
    return false;
  }
}

/** Flushes, then stops the SDK: handlers removed, later calls ignored. */
export async function close(timeout = 2000) {
  const flushed = await flush(timeout);
  try {
    if (state === READY) wasm.close();
  } catch (error) {
    warn('close failed:', error);
  }
  state = CLOSED;
  return flushed;
}

/** Whether the SDK is running. */
export function isEnabled() {
  try {
    return state === READY && wasm.isEnabled();
  } catch (_) {
    return false;
  }
}
