// Console breadcrumbs: the configured console methods (by default `warn` and `error`) are
// wrapped so that each call also reports its level and text. The page's output is the
// original call with the original arguments, made first; what it throws is the page's.

import { guard, wrap } from './core.js';

// A console argument as text, briefly: strings as they are, errors as `Name: message`,
// other values as JSON where they have one.
function text(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.name + ': ' + value.message;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch (_) {
    return String(value);
  }
}

// Wraps `console[level]` for each of `levels`; `report(level, message)` gets each call.
// Returns a function that puts the originals back.
export function wrapConsole(levels, report) {
  const undo = levels.map((level) =>
    wrap(console, level, (original) =>
      function (...args) {
        const result = original.apply(this, args);
        guard(() => report(level, args.map(text).join(' ').slice(0, 1000)));
        return result;
      },
    ),
  );
  return () => undo.forEach((fn) => fn());
}
