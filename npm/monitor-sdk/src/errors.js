// The page's errors: uncaught errors and unhandled rejections for the page's whole life
// (recorded in the early queue, which the optional <head> snippet also fills, until the wasm
// runs, then forwarded), and resources that failed to load (img, script, stylesheet, audio,
// video, source), which fire a non-bubbling `error` on their element and are only seen by a
// capturing listener on the window.

import { LOADING, READY, sdk } from './core.js';
import { selector } from './dom.js';

export const QUEUE = '__monitorQ';
export const SNIPPET_HANDLER = '__monitorQH';
const MAX_EARLY = 50;

export function earlyQueue() {
  const q = Array.isArray(window[QUEUE]) ? window[QUEUE] : [];
  window[QUEUE] = q;
  return q;
}

// `forward(event)` hands an error or rejection to the wasm once it runs.
export function errorListener(forward) {
  return (event) => {
    if (event.type === 'error' && event.target !== window && event.target) return; // a resource
    if (sdk.state === READY) {
      forward(event);
    } else if (sdk.state === LOADING && typeof window[SNIPPET_HANDLER] !== 'function') {
      // (With the snippet present, it records into the same queue.)
      const q = earlyQueue();
      if (q.length < MAX_EARLY) q.push([event, Date.now()]);
    }
  };
}

export function dropSnippet() {
  const handler = window[SNIPPET_HANDLER];
  if (typeof handler === 'function') {
    window.removeEventListener('error', handler);
    window.removeEventListener('unhandledrejection', handler);
  }
  window[SNIPPET_HANDLER] = undefined;
}

// The URL an element was loading.
function resourceUrl(element) {
  return element.currentSrc || element.src || element.href || '';
}

// A capturing `error` listener for failed resources: `report({tag, selector}, url)` for
// each, except the URLs in `own` (the SDK's own files).
export function resourceListener(own, report) {
  return (event) => {
    const element = event.target;
    if (!element || element === window || element.nodeType !== 1) return;
    const tag = element.nodeName.toLowerCase();
    if (tag === 'link' && !/\bstylesheet\b/i.test(element.rel || '')) return;
    const url = resourceUrl(element);
    if (!url || own.includes(url)) return;
    report({ tag, selector: selector(element) }, url);
  };
}
