// What people do on the page, as facts for the wasm: clicks (target, text, position), key
// presses in form fields (the target only, never a key or a value), form submits (the form's
// shape, never a value), navigations (load, the History API, popstate, hash changes) and
// visibility. Listeners capture, so a page that stops propagation cannot hide an event, and
// are passive: they never call preventDefault. What becomes a breadcrumb or an event, and
// what counts as a rage click, is decided in the wasm (packages/sdk-browser/src/behaviour.rs).

import { guard, wrap } from './core.js';
import { elementOf, isPrivate, pathOf, selector, visibleText } from './dom.js';

// Kinds of the wasm `behave` dispatcher (packages/sdk-browser/src/behaviour.rs).
export const NAVIGATE = 1;
export const VISIBILITY = 2;
export const CLICK = 3;
export const KEY = 4;
export const SUBMIT = 5;
export const CONSOLE = 6;
export const HTTP = 7;
export const RESOURCE = 8;

// What a click is on: the interactive element around the node that was hit (the <b> inside a
// button is the button), else that node.
const INTERACTIVE = 'a,button,input,select,textarea,label,summary,[role=button],[role=link],[onclick]';

function onClick(report, event) {
  const hit = elementOf(event.target);
  const element = (hit && hit.closest(INTERACTIVE)) || hit;
  if (!element || isPrivate(element)) return;
  const text = visibleText(element);
  report(CLICK, {
    target: selector(element),
    text: text || undefined,
    x: Math.round(event.clientX),
    y: Math.round(event.clientY),
  });
}

function onKey(report, event) {
  const element = elementOf(event.target);
  if (!element || isPrivate(element)) return;
  const tag = element.nodeName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || element.isContentEditable) {
    report(KEY, selector(element));
  }
}

function onSubmit(report, event) {
  const form = elementOf(event.target);
  if (!form || form.nodeName !== 'FORM' || form.closest('[data-monitor-ignore]')) return;
  // getAttribute: `form.id` and `form.action` can be shadowed by fields named "id"/"action".
  report(SUBMIT, {
    target: selector(form),
    form: {
      id: form.getAttribute('id') || undefined,
      name: form.getAttribute('name') || undefined,
      action: pathOf(form.getAttribute('action') || location.href),
      fields: form.elements ? form.elements.length : 0,
    },
  });
}

// Installs what `wanted` names (`dom`, `form`, `history`), reporting through
// `report(kind, a, b)`. Returns a function that removes it all.
export function watchBehaviour(win, wanted, report) {
  const undo = [];
  const on = (target, type, fn) => {
    const listener = (event) => guard(fn, report, event);
    target.addEventListener(type, listener, { capture: true, passive: true });
    undo.push(() => target.removeEventListener(type, listener, { capture: true }));
  };
  if (wanted.includes('dom')) {
    on(win, 'click', onClick);
    on(win, 'keydown', onKey);
  }
  if (wanted.includes('form')) on(win, 'submit', onSubmit);
  if (wanted.includes('history')) {
    const navigated = (how) => guard(report, NAVIGATE, location.href, how);
    for (const [name, how] of [
      ['pushState', 'push'],
      ['replaceState', 'replace'],
    ]) {
      undo.push(
        wrap(win.history, name, (original) =>
          function () {
            const result = original.apply(this, arguments);
            // After the page's own code of this task (which often sets the title next).
            setTimeout(() => navigated(how));
            return result;
          },
        ),
      );
    }
    on(win, 'popstate', () => navigated('pop'));
    on(win, 'hashchange', () => navigated('hash'));
  }
  return () => undo.forEach((fn) => fn());
}
