// @org/monitor-sdk: the ESM entry and loader around the Rust/wasm SDK.
//
// `init()` installs the error listeners for the page's life and starts loading the wasm.
// Until the wasm runs, errors are recorded (errors.js) and API calls queued (queue.js); then
// both are replayed. The loader makes the SDK's DOM calls for the wasm, one module per
// concern: errors.js (errors, rejections, failed resources), vitals.js (performance
// observers), behaviour.js (clicks, keys, forms, navigation), console.js and network.js
// (wrapping console methods, fetch and XHR), transport.js (fetch keepalive, sendBeacon,
// timers). The wasm needs no JS closures, and every decision stays in Rust: the loader only
// reports facts. Every export catches everything: the SDK must never throw into the page.

// Named imports (not `* as`), so the bundler drops the glue's unused exports.
import {
  behave,
  capture,
  close as closeWasm,
  flushStep,
  init as initWasm,
  initSync,
  onResponse,
  pageLeave,
  perf,
  scope,
  tick,
} from './monitor_sdk.js';
import { wrapConsole } from './console.js';
import { CLOSED, FAILED, LOADING, READY, guard, ready, sdk, warn } from './core.js';
import { CONSOLE, HTTP, NAVIGATE, RESOURCE, VISIBILITY, watchBehaviour } from './behaviour.js';
import { dropSnippet, earlyQueue, errorListener, resourceListener } from './errors.js';
import { wrapNetwork } from './network.js';
import { api, dropQueue, replay, setDispatch } from './queue.js';
import { inFlight, makeHost } from './transport.js';
import { startVitals, stopVitals, vitalsHidden, vitalsInput, vitalsPageShow } from './vitals.js';

// Kinds of the wasm `capture` and `scope` dispatchers (packages/sdk-browser/src/api.rs).
const CAPTURE_EARLY = 3;
const CAPTURE_DOM_EVENT = 4;
const SCOPE_USER_FIELD = 0;
const SCOPE_TAG = 1;
const SCOPE_USER_CLEAR = 3;
const MAX_FIELDS = 50;
// `behave(START)` returns the wiring the options ask for.
const BEHAVE_START = 0;

// The wasm takes the user and tags one field at a time (enumerating is cheaper in JS).
function fields(object) {
  return object && typeof object === 'object' ? Object.entries(object).slice(0, MAX_FIELDS) : [];
}

function applyUser(user) {
  scope(SCOPE_USER_CLEAR);
  for (const [key, value] of fields(user)) scope(SCOPE_USER_FIELD, key, value);
}

const dispatchers = { capture, scope, user: (_kind, user) => applyUser(user) };
setDispatch((name, args) => dispatchers[name](...args));

let readyPromise = Promise.resolve(false);
let options = {};
let integrations = [];
let listening = false;
let unwire = [];

const report = (kind, a, b) => {
  if (ready()) guard(behave, kind, a, b);
};
const onError = errorListener((event) => guard(capture, CAPTURE_DOM_EVENT, event));
let onResource = () => {};

function onVisibility(event) {
  const hidden = document.visibilityState === 'hidden';
  if (ready()) {
    if (hidden) vitalsHidden(event.timeStamp);
    report(VISIBILITY, !hidden);
  }
  if (hidden) onLeave();
}

function onLeave() {
  if (ready()) guard(pageLeave);
}

// [target, type, handler, capture]: the lifecycle and input listeners capture, so a page
// that stops an event's propagation cannot hide it.
const LISTENERS = [
  [() => window, 'error', onError],
  [() => window, 'unhandledrejection', onError],
  [() => window, 'error', (event) => guard(onResource, event), true],
  [() => window, 'pagehide', onLeave],
  [() => document, 'visibilitychange', onVisibility, true],
  [() => window, 'pageshow', vitalsPageShow, true],
  [() => window, 'keydown', vitalsInput, true],
  [() => window, 'click', vitalsInput, true],
];

function listen(on) {
  if (listening === on) return;
  listening = on;
  for (const [target, type, fn, capture] of LISTENERS) {
    target()[on ? 'addEventListener' : 'removeEventListener'](type, fn, !!capture);
  }
}

// Matches ignoreErrors / allowUrls / denyUrls entries: a string matches as a substring, a
// RegExp by test().
function matches(patterns, text) {
  return (
    Array.isArray(patterns) &&
    patterns.some((p) => (p instanceof RegExp ? p.test(text) : typeof p === 'string' && text.includes(p)))
  );
}

// Whether an error event is dropped by the page's filters: `ignoreErrors` on the message
// (`Type: value` and `value`), `denyUrls` and `allowUrls` on the URL of the frame that threw.
function dropError(type, value, url) {
  if (matches(options.ignoreErrors, value) || matches(options.ignoreErrors, type + ': ' + value)) return true;
  if (url && matches(options.denyUrls, url)) return true;
  return !!url && Array.isArray(options.allowUrls) && options.allowUrls.length > 0 && !matches(options.allowUrls, url);
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
    warn('beforeSend: not an event; sent unchanged');
    return undefined;
  }
  return JSON.stringify(event);
}

// The default is written out as `new URL(literal, import.meta.url)`, the form app bundlers
// (Vite, webpack, esbuild plugins) recognise and copy the wasm for.
function wasmUrl() {
  const url = options.wasmUrl
    ? new URL(options.wasmUrl, import.meta.url)
    : new URL('monitor_sdk_bg.wasm', import.meta.url);
  return url.href;
}

// Compiles while the bytes arrive, and, when a server sends the wasm without the
// `application/wasm` type that streaming needs, from the whole body. The glue's own async
// loader does the same with half a kilobyte of warnings and legacy arguments; its `initSync`
// only instantiates the compiled module, which the main thread may do.
async function loadWasm() {
  const response = await fetch(wasmUrl());
  if (!response.ok) throw new Error('wasm: HTTP ' + response.status);
  let module;
  try {
    module = await WebAssembly.compileStreaming(response.clone());
  } catch {
    module = await WebAssembly.compile(await response.arrayBuffer());
  }
  return initSync({ module });
}

// The SDK's own files, never reported as the page's failed resources.
function ownUrls() {
  return [guard(wasmUrl)].filter(Boolean);
}

// Installs what the wasm asks for (`behave(START)` says which), after the page's first
// navigation has been reported.
function wire() {
  const wanted = String(guard(behave, BEHAVE_START) || '');
  report(NAVIGATE, location.href, 'load');
  unwire.push(watchBehaviour(window, wanted, report));
  const levels = wanted.match(/console:(\S+)/);
  if (levels) unwire.push(wrapConsole(levels[1].split(','), (level, message) => report(CONSOLE, level, message)));
  if (wanted.includes('network')) unwire.push(wrapNetwork(window, (record, url) => report(HTTP, record, url)));
  if (wanted.includes('resource')) {
    const own = ownUrls();
    onResource = resourceListener(own, (record, url) => report(RESOURCE, record, url));
  }
}

function onWasmReady() {
  const hooked =
    typeof options.beforeSend === 'function' || integrations.some((i) => typeof i.processEvent === 'function');
  const host = makeHost(onResponse, tick);
  if (hooked) host.process = processEvent;
  if (options.ignoreErrors || options.allowUrls || options.denyUrls) host.drop = dropError;
  const running = initWasm(options, host);
  dropSnippet();
  const early = earlyQueue().splice(0);
  if (!running) return fail();
  sdk.state = READY;
  if (options.user) guard(applyUser, options.user);
  for (const [key, value] of fields(options.tags)) guard(scope, SCOPE_TAG, key, value);
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
  for (const record of early) guard(capture, CAPTURE_EARLY, record);
  guard(wire);
  replay();
  guard(startVitals, perf);
  return true;
}

function unwireAll() {
  for (const fn of unwire) guard(fn);
  unwire = [];
  onResource = () => {};
}

function fail() {
  sdk.state = FAILED;
  dropQueue();
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
    if (typeof window === 'undefined' || sdk.state === LOADING || sdk.state === READY) return readyPromise;
    options = userOptions && typeof userOptions === 'object' ? { ...userOptions } : {};
    sdk.debug = options.debug === true;
    integrations = Array.isArray(options.integrations)
      ? options.integrations.filter((i) => i && typeof i === 'object')
      : [];
    sdk.state = LOADING;
    if (options.enabled !== false) listen(true);
    readyPromise = loadWasm()
      .then(onWasmReady)
      .catch((error) => {
        warn('init:', error);
        return fail();
      });
    return readyPromise;
  } catch (error) {
    warn('init:', error);
    return Promise.resolve(fail());
  }
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
    await Promise.race([readyPromise, sleep(timeout)]);
    while (ready()) {
      // 0: all sent, 1: a request is in flight, 2: the collector asked to wait.
      const step = flushStep();
      if (step !== 1) return step === 0;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([inFlight.promise, sleep(left)]);
    }
    return false;
  } catch (error) {
    warn('flush:', error);
    return false;
  }
}

/** Flushes, then stops the SDK: listeners removed, wrappers undone, later calls ignored. */
export async function close(timeout = 2000) {
  const flushed = await flush(timeout);
  guard(listen, false);
  unwireAll();
  stopVitals();
  if (sdk.state === READY) guard(closeWasm);
  sdk.state = CLOSED;
  return flushed;
}

/** Whether the SDK is running. */
export function isEnabled() {
  return sdk.state === READY;
}
