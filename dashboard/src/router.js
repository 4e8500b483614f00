// Hash routes: `#/view/arg?key=value&...`. The query part holds the filters, so a link
// can be shared and reloads land on the same view.

/** { path: '/issues/abc', parts: ['issues', 'abc'], query: URLSearchParams } */
export function parseHash(hash = location.hash) {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = (q < 0 ? text : text.slice(0, q)) || '/';
  const query = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, parts, query };
}

/** The hash for `path` with `params` (an object or URLSearchParams; empty values dropped). */
export function href(path, params = {}) {
  const query = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [key, value] of entries) {
    if (value !== undefined && value !== null && value !== '') query.set(key, value);
  }
  const qs = query.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(path, params, { replace = false } = {}) {
  const next = href(path, params);
  if (next === location.hash) return;
  if (replace) {
    history.replaceState(null, '', next);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = next;
  }
}

/** Calls onRoute(route) now and on every hash change. */
export function startRouter(onRoute) {
  const run = () => onRoute(parseHash());
  window.addEventListener('hashchange', run);
  run();
}
