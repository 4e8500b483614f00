// Small DOM helpers shared by the views: an element builder, panels, tables, and the
// loading / error / empty states.
import { ApiError } from './api.js';

/** h('div', {class: 'x', testid: 'kpi', onclick: fn, 'data-value': 1}, child, ...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'testid') el.dataset.testid = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** A card with a title; returns the card and its body. */
export function panel(title, { testid, wide, span2, extra } = {}) {
  const body = h('div', { class: 'panel-body' });
  const el = h('section', { class: `panel${wide ? ' wide' : ''}${span2 ? ' span2' : ''}`, testid },
    h('header', { class: 'panel-head' }, h('h2', {}, title), extra), body);
  return { el, body };
}

export const loading = (what = 'Loading…') => h('div', { class: 'state loading', testid: 'loading', role: 'status' }, what);

export function errorBox(error, retry) {
  let hint = '';
  if (error instanceof ApiError) {
    if (error.status === 401) hint = 'The collector needs an API token, or the one entered is wrong.';
    else if (error.status === 403) hint = 'Reads are disabled on this collector: it has no api_token configured. Set MONITOR_API_TOKEN there and enter it here.';
    else if (error.status === 404) hint = 'Unknown project, issue or event. Check the project id.';
    else if (error.status === 503) hint = 'The store cannot answer right now; try again in a moment.';
  }
  return h('div', { class: 'state error', testid: 'error', role: 'alert' },
    h('strong', {}, error instanceof ApiError && error.status ? `Error ${error.status}: ` : 'Error: '),
    error?.message || String(error),
    hint && h('div', { class: 'hint' }, hint),
    retry && h('button', { class: 'btn small', onclick: retry }, 'Retry'));
}

export const SNIPPET_INSTALL = 'npm install @org/monitor-sdk';
export const SNIPPET_INIT = "import { init } from '@org/monitor-sdk';\ninit({ dsn: 'http://PUBLIC_KEY@HOST/PROJECT_ID' });";

/** An empty state: what is missing, what to do, and optionally the SDK install snippet. */
export function empty(message, { snippet = false, testid = 'empty' } = {}) {
  return h('div', { class: 'state empty', testid },
    h('p', {}, message),
    snippet && [
      h('p', { class: 'muted' }, 'Install the SDK in your app and point it at this collector:'),
      h('pre', { class: 'snippet', testid: 'install-snippet' },
        h('code', {}, `${SNIPPET_INSTALL}\n\n${SNIPPET_INIT}`)),
      h('p', { class: 'muted' }, `PUBLIC_KEY is the project's public ingest key, HOST this collector (${location.host}), PROJECT_ID the project's number. Events show up here within seconds.`),
    ]);
}

/**
 * Fills `body` with `render(data)` once `promise` settles: a loading state first (unless it
 * shows something already: a refresh), the error in place of the content when it fails.
 */
export async function fill(body, promise, render, signal) {
  if (!body.childElementCount) body.replaceChildren(loading());
  try {
    const data = await promise;
    if (signal?.aborted) return undefined;
    const out = render(data);
    body.replaceChildren(...[out].flat().filter(Boolean));
    return data;
  } catch (error) {
    if (signal?.aborted || error?.name === 'AbortError') return undefined;
    body.replaceChildren(errorBox(error));
    return undefined;
  }
}

/**
 * A table. columns: [{label, cell(row) → node|string, num, opt, class}]; opts.row(row) gives
 * the row's attributes (testid, data-*).
 */
export function table(columns, rows, { row = () => ({}), testid, caption, stack } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { testid, class: stack ? 'stack' : null },
      caption && h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: cellClass(c) }, c.label)))),
      h('tbody', {}, rows.map((r, i) => h('tr', row(r, i),
        columns.map((c) => h('td', { class: cellClass(c), 'data-label': c.label || null }, c.cell(r, i))))))));
}

/** num: right-aligned figures; opt: a column phones leave out. */
function cellClass(c) {
  return [c.num ? 'num' : c.class, c.opt && 'opt'].filter(Boolean).join(' ') || null;
}

/** A number element: the formatted text, the raw value in data-value. */
export const num = (value, text, attrs = {}) =>
  h('span', { ...attrs, class: `n ${attrs.class || ''}`.trim(), 'data-value': JSON.stringify(value ?? null) }, text);

/** Sets a num() element's text and raw value. */
export function setNum(el, value, text) {
  el.textContent = text;
  el.dataset.value = JSON.stringify(value ?? null);
}

/** A small inline SVG sparkline of counts. */
export function sparkline(values, { width = 96, height = 24 } = {}) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'spark');
  svg.dataset.testid = 'sparkline';
  const max = Math.max(1, ...values);
  const n = values.length;
  const bw = n ? width / n : width;
  values.forEach((v, i) => {
    if (!v) return;
    const bh = Math.max(1.5, (v / max) * (height - 2));
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', (i * bw).toFixed(2));
    r.setAttribute('y', (height - bh).toFixed(2));
    r.setAttribute('width', Math.max(1, bw - 0.5).toFixed(2));
    r.setAttribute('height', bh.toFixed(2));
    svg.append(r);
  });
  svg.append(Object.assign(document.createElementNS(ns, 'title'), { textContent: `${values.reduce((a, b) => a + b, 0)} events` }));
  return svg;
}
