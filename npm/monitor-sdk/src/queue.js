// The public API's calls before the wasm runs: queued in order (at most MAX_CALLS), replayed
// once it runs, dropped if it never does. After `close()` or a failed start, calls are
// ignored. `dispatch(name, args)` is the entry's: it runs a call against the wasm.

import { IDLE, LOADING, READY, guard, sdk } from './core.js';

export const MAX_CALLS = 100;

let pending = [];
let dispatch = () => undefined;

export function setDispatch(fn) {
  dispatch = fn;
}

// A public function for the wasm dispatcher `name` and its `kind`.
export function api(name, kind) {
  return (a, b) => {
    if (sdk.state === READY) return guard(dispatch, name, [kind, a, b]);
    if ((sdk.state === IDLE || sdk.state === LOADING) && pending.length < MAX_CALLS) {
      pending.push([name, [kind, a, b]]);
    }
    return undefined;
  };
}

// Runs what was queued, in order; what those calls queue is not replayed again.
export function replay() {
  const calls = pending;
  pending = [];
  for (const [name, args] of calls) guard(dispatch, name, args);
}

export function dropQueue() {
  pending = [];
}

export function queued() {
  return pending.length;
}
