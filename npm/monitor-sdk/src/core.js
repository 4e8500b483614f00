// What every module of the loader shares: the SDK's lifecycle state, debug logging, and
// `guard`, which runs a piece of SDK code so that nothing it throws reaches the page.

export const IDLE = 0;
export const LOADING = 1;
export const READY = 2;
export const FAILED = 3;
export const CLOSED = 4;

// One mutable record instead of module-level `let`s, so modules and tests share it.
export const sdk = { state: IDLE, debug: false };

export function warn(...args) {
  if (sdk.debug && typeof console !== 'undefined') {
    try {
      // The original, when the console module wrapped it: the SDK's own logs are no
      // breadcrumbs.
      (console.warn.__monitorOriginal || console.warn).call(console, '[monitor-sdk]', ...args);
    } catch (_) {
      // console itself may be broken by the page
    }
  }
}

// Runs `fn`; a throw (a bug, or the page breaking a global we use) is logged, never raised.
export function guard(fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    warn(fn.name, error);
    return undefined;
  }
}

export function ready() {
  return sdk.state === READY;
}

// Replaces `object[name]` with `make(original)`, keeping what a page can observe of the
// original: its name, length and `toString()`. Returns a function that puts the original
// back, unless someone wrapped it again after us (then unwrapping would remove them too).
export function wrap(object, name, make) {
  const original = object[name];
  if (typeof original !== 'function') return () => {};
  const wrapped = make(original);
  try {
    Object.defineProperty(wrapped, 'name', { value: original.name });
    Object.defineProperty(wrapped, 'length', { value: original.length });
  } catch (_) {
    // non-configurable in some engine: cosmetic only
  }
  wrapped.toString = () => Function.prototype.toString.call(original);
  wrapped.__monitorOriginal = original;
  object[name] = wrapped;
  return () => {
    if (object[name] === wrapped) object[name] = original;
  };
}
