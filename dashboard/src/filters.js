// The filters bar: project, time range, release, environment, page, browser, device. They live in
// the hash's query part (router.js), so every view and every shared link has them.
import { h } from './ui.js';

export const RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
export const BROWSERS = ['Chrome', 'Edge', 'Firefox', 'Safari', 'Opera', 'Samsung Internet', 'Other'];
export const DEVICES = ['desktop', 'mobile', 'tablet'];
/** The keys every view shares; view-specific keys (status, pct, ...) stay with their view. */
export const SHARED_KEYS = ['project', 'range', 'from', 'to', 'release', 'environment', 'page', 'browser', 'device'];

const int = (v) => (/^\d+$/.test(v || '') ? Number(v) : null);

/** The filters in `query` (URLSearchParams), with defaults. */
export function readFilters(query) {
  const project = int(query.get('project')) || 1;
  const from = int(query.get('from'));
  const to = int(query.get('to'));
  const custom = from !== null && to !== null && from < to;
  const range = custom ? 'custom' : RANGES[query.get('range')] ? query.get('range') : '24h';
  return {
    project,
    range,
    from: custom ? from : null,
    to: custom ? to : null,
    release: query.get('release') || '',
    environment: query.get('environment') || '',
    page: query.get('page') || '',
    browser: query.get('browser') || '',
    device: DEVICES.includes(query.get('device')) ? query.get('device') : '',
  };
}

/** Whether any filter beyond project and range is set. */
export const hasFilters = (filters) => Boolean(filters.release || filters.environment || filters.page || filters.browser || filters.device);

/** The shared keys of `filters` as hash parameters (defaults left out). */
export function sharedParams(filters) {
  return {
    project: filters.project === 1 ? '' : filters.project,
    range: filters.range === 'custom' || filters.range === '24h' ? '' : filters.range,
    from: filters.range === 'custom' ? filters.from : '',
    to: filters.range === 'custom' ? filters.to : '',
    release: filters.release,
    environment: filters.environment,
    page: filters.page,
    browser: filters.browser,
    device: filters.device,
  };
}

/** The [from, to) the API is asked about: the custom range, or the preset up to now. */
export function timeRange(filters, now = Date.now()) {
  if (filters.range === 'custom') return { from: filters.from, to: filters.to };
  const to = Math.floor(now);
  return { from: to - RANGES[filters.range], to };
}

/** The query parameters every query endpoint takes. */
export const queryParams = (filters, range) => ({
  from: range.from,
  to: range.to,
  release: filters.release,
  environment: filters.environment,
  page: filters.page,
  browser: filters.browser,
  device: filters.device,
});

/** A <select> of `options` ('' reads "any") showing `value`. */
export function select(key, value, options, set, testid = `filter-${key}`) {
  const el = h('select', { testid, name: key, onchange: (e) => set({ [key]: e.target.value }) },
    options.map((o) => h('option', { value: o }, o || 'any')));
  el.value = value;
  return el;
}

/** The bar. onChange(nextFilters) when the user changes something. */
export function filterBar(filters, onChange, onRefresh) {
  const set = (patch) => onChange({ ...filters, ...patch });
  const text = (key, label, placeholder) =>
    h('label', { class: 'field' }, h('span', {}, label),
      h('input', {
        type: 'text', value: filters[key], placeholder, testid: `filter-${key}`, name: key,
        autocomplete: 'off', spellcheck: false,
        onchange: (e) => set({ [key]: e.target.value.trim() }),
        onkeydown: (e) => { if (e.key === 'Enter') e.target.blur(); },
      }));
  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range', testid: 'filter-range' },
    Object.keys(RANGES).map((key) =>
      h('button', {
        type: 'button', class: `chip${filters.range === key ? ' on' : ''}`, testid: `filter-range-${key}`,
        'aria-pressed': String(filters.range === key),
        onclick: () => set({ range: key, from: null, to: null }),
      }, key)),
    filters.range === 'custom' && h('span', { class: 'chip on', testid: 'filter-range-custom' }, 'custom'));
  const anySet = hasFilters(filters) || filters.range !== '24h';
  return h('form', { class: 'filters', testid: 'filters', onsubmit: (e) => e.preventDefault() },
    h('label', { class: 'field project' }, h('span', {}, 'Project'),
      h('input', {
        type: 'number', min: '1', step: '1', value: String(filters.project), testid: 'filter-project', name: 'project',
        onchange: (e) => { const p = int(e.target.value); if (p) set({ project: p }); else e.target.value = filters.project; },
      })),
    h('div', { class: 'field' }, h('span', {}, 'Range'), presets),
    text('release', 'Release', 'any'),
    text('environment', 'Environment', 'any'),
    text('page', 'Page', '/path'),
    h('label', { class: 'field' }, h('span', {}, 'Browser'), select('browser', filters.browser, ['', ...BROWSERS], set)),
    h('label', { class: 'field' }, h('span', {}, 'Device'), select('device', filters.device, ['', ...DEVICES], set)),
    h('div', { class: 'field actions' }, h('span', {}, '\u00a0'),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn', testid: 'filter-refresh', onclick: onRefresh, title: 'Reload with the range up to now' }, 'Refresh'),
        anySet && h('button', {
          type: 'button', class: 'btn ghost', testid: 'filter-clear',
          onclick: () => onChange({ project: filters.project, range: '24h', from: null, to: null, release: '', environment: '', page: '', browser: '', device: '' }),
        }, 'Clear'))));
}
