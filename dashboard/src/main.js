// The shell: header with the views and the token, the filters bar, and the current view.
import './style.css';
import { api, getToken, onAuthNeeded, setToken } from './api.js';
import { disposeCharts } from './charts.js';
import { filterBar, queryParams, readFilters, SHARED_KEYS, sharedParams, timeRange } from './filters.js';
import { href, navigate, parseHash, startRouter } from './router.js';
import { errorBox, h } from './ui.js';
import * as alerts from './views/alerts.js';
import * as behaviour from './views/behaviour.js';
import * as issue from './views/issue.js';
import * as issues from './views/issues.js';
import * as overview from './views/overview.js';
import * as vitals from './views/vitals.js';

const NAV = [
  ['overview', 'Overview'],
  ['vitals', 'Web vitals'],
  ['issues', 'Issues'],
  ['behaviour', 'Behaviour'],
  ['alerts', 'Alerts'],
];

const pick = (parts) => {
  if (parts[0] === 'issues' && parts[1]) return issue;
  return { overview, vitals, issues, behaviour, alerts }[parts[0] || 'overview'];
};

const app = document.getElementById('app');
const nav = h('nav', { class: 'nav', testid: 'nav' });
const tokenArea = h('div', { class: 'token', testid: 'token-area' });
const banner = h('div', { class: 'banner', testid: 'app-error', hidden: true });
const filtersSlot = h('div', { class: 'filters-slot' });
const main = h('main', { class: 'main' });
app.replaceChildren(
  h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/overview' }, 'monitor'), nav, tokenArea),
  banner, filtersSlot, main);

let current = null;

function onRoute(route) {
  if (current) {
    current.controller.abort();
    try { current.cleanup?.(); } catch { /* a view's cleanup must not stop the next view */ }
    disposeCharts();
  }
  if (!route.parts.length) {
    navigate('/overview', route.query, { replace: true });
    return;
  }
  const filters = readFilters(route.query);
  const range = timeRange(filters);
  const shared = sharedParams(filters);
  const controller = new AbortController();
  const { signal } = controller;
  const viewQuery = Object.fromEntries([...route.query].filter(([k]) => !SHARED_KEYS.includes(k)));

  nav.replaceChildren(...NAV.map(([key, label]) =>
    h('a', { href: href(`/${key}`, shared), class: route.parts[0] === key ? 'on' : '', testid: `nav-${key}` }, label)));
  renderToken();
  filtersSlot.replaceChildren(filterBar(filters,
    (next) => navigate(route.path, { ...viewQuery, ...sharedParams(next) }),
    () => onRoute(parseHash())));

  const ctx = {
    route,
    filters,
    range,
    project: filters.project,
    signal,
    /** GET api/{project}/{path}; the range and filters go along unless `filtered` is false. */
    get: (path, extra = {}, { filtered = true } = {}) =>
      api(`${filters.project}/${path}`, { params: { ...(filtered ? queryParams(filters, range) : {}), ...extra }, signal }),
    send: (path, method, body, extra = {}) =>
      api(`${filters.project}/${path}`, { method, body, params: { ...queryParams(filters, range), ...extra }, signal }),
    /** A link to another view keeping the shared filters. */
    link: (path, extra = {}) => href(path, { ...shared, ...extra }),
    /** Changes this view's own query keys (status, device, ...). */
    setQuery: (patch) => navigate(route.path, { ...viewQuery, ...shared, ...patch }),
    rerender: () => onRoute(parseHash()),
    /** Records this view's own keys in the URL without rendering again. */
    replaceQuery: (patch) => {
      Object.assign(viewQuery, patch);
      history.replaceState(null, '', href(route.path, { ...viewQuery, ...shared }));
    },
  };

  const view = pick(route.parts);
  const root = h('div', {
    class: 'view', testid: `view-${view === issue ? 'issue' : route.parts[0]}`,
    'data-project': filters.project, 'data-from': range.from, 'data-to': range.to,
  });
  main.replaceChildren(root);
  current = { controller, cleanup: null };
  if (!view) {
    root.append(errorBox(new Error(`no view "${route.path}"`)), h('p', {}, h('a', { href: ctx.link('/overview') }, 'Go to the overview')));
    return;
  }
  try {
    current.cleanup = view.render(root, ctx);
  } catch (error) {
    root.append(errorBox(error));
  }
}

function renderToken() {
  const token = getToken();
  tokenArea.replaceChildren(token
    ? h('span', { class: 'row' },
      h('span', { class: 'badge ok', testid: 'token-status', title: 'An API token is stored in this browser' }, 'token set'),
      h('button', { class: 'btn ghost small', testid: 'token-change', onclick: () => openTokenPrompt() }, 'Change'),
      h('button', {
        class: 'btn ghost small', testid: 'token-clear',
        onclick: () => { setToken(''); onRoute(parseHash()); },
      }, 'Clear token'))
    : h('button', { class: 'btn ghost small', testid: 'token-open', onclick: () => openTokenPrompt() }, 'API token'));
}

let prompt = null;

/** The token prompt; `error` is the 401/403 that asked for it. */
function openTokenPrompt(error) {
  if (prompt) return;
  const input = h('input', {
    type: 'password', testid: 'token-input', autocomplete: 'off', placeholder: 'the collector\'s api_token',
    'aria-label': 'API token', value: getToken(),
  });
  const close = () => { prompt?.remove(); prompt = null; };
  const save = (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    close();
    onRoute(parseHash());
  };
  const reason = !error ? 'Reads of the query API need the collector\'s secret api_token unless they are open on loopback.'
    : error.status === 401 ? 'The collector asks for an API token, or the stored one is wrong.'
      : 'Reads are disabled on this collector (no api_token configured). Configure MONITOR_API_TOKEN on the collector, then enter it here.';
  prompt = h('div', { class: 'modal-back', testid: 'token-prompt', onclick: (e) => { if (e.target === prompt) close(); } },
    h('form', { class: 'modal', onsubmit: save, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'token-title' },
      h('h2', { id: 'token-title' }, 'API token'),
      h('p', {}, reason),
      h('p', { class: 'muted' }, 'This is the collector\'s api_token (MONITOR_API_TOKEN), not the public ingest key of the SDK\'s DSN. It is kept in this browser\'s localStorage and sent as Authorization: Bearer.'),
      input,
      h('div', { class: 'row end' },
        getToken() && h('button', { type: 'button', class: 'btn ghost', testid: 'token-prompt-clear', onclick: () => { setToken(''); close(); onRoute(parseHash()); } }, 'Clear token'),
        h('button', { type: 'button', class: 'btn ghost', onclick: close }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary', testid: 'token-save' }, 'Save'))));
  document.body.append(prompt);
  input.focus();
}

onAuthNeeded((error) => openTokenPrompt(error));

function showBanner(message) {
  banner.hidden = false;
  banner.replaceChildren(h('span', {}, `Something went wrong: ${message}`),
    h('button', { class: 'btn ghost small', onclick: () => { banner.hidden = true; } }, 'Dismiss'));
}
window.addEventListener('error', (e) => showBanner(e.message));
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason?.name === 'AbortError' || e.reason?.name === 'ApiError') return;
  showBanner(e.reason?.message || String(e.reason));
});


startRouter(onRoute);
