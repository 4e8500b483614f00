// One issue: its figures, status actions, series, the latest event (stack trace with
// in-app frames and source context, breadcrumbs, tags, user, browser, release) and its
// events, a page at a time.
import { timeChart } from '../charts.js';
import * as f from '../format.js';
import { empty, errorBox, fill, h, loading, num, panel, table } from '../ui.js';
import { statusActions, statusBadge } from './issues.js';

const PAGE = 25;

export function render(root, ctx) {
  const fingerprint = ctx.route.parts[1];
  const back = h('a', { href: ctx.link('/issues'), class: 'back', testid: 'issue-back' }, '← Issues');
  const head = h('div', { class: 'issue-head', testid: 'issue-head', 'data-fingerprint': fingerprint }, loading());
  const trend = panel('Events over time', { wide: true, testid: 'issue-trend' });
  const event = panel('Latest event', { wide: true, testid: 'issue-latest-event' });
  const events = panel('Events', { wide: true, testid: 'issue-events' });
  root.append(back, head, h('div', { class: 'grid' }, trend.el, event.el, events.el));

  const answer = ctx.get(`issues/${fingerprint}`);
  answer.then((issue) => head.replaceChildren(...issueHead(issue, ctx)), (error) => {
    if (error?.name !== 'AbortError') head.replaceChildren(errorBox(error, ctx.rerender));
  });
  fill(trend.body, answer, (issue) => {
    const el = h('div', { class: 'chart small', testid: 'issue-chart' });
    requestAnimationFrame(() => el.isConnected && timeChart(el, {
      intervalMs: issue.interval_ms, legend: false,
      series: [{ name: 'Events', type: 'bar', color: '#e5484d', data: issue.series.map((p) => [p.t, p.count]) }],
      axes: [{ format: f.count, integer: true }],
    }));
    return el;
  }, ctx.signal);
  fill(event.body, answer, (issue) => eventView(issue.latest_event), ctx.signal);

  const show = (e) => {
    event.el.querySelector('h2').textContent = `Event ${f.time(e.timestamp)}`;
    event.body.replaceChildren(...eventView(e));
    event.el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };
  eventList(events.body, ctx, fingerprint, show);
}

function issueHead(issue, ctx) {
  const facts = [
    ['Events in range', num(issue.count, f.count(issue.count), { testid: 'issue-count' })],
    ['Users in range', num(issue.users, f.count(issue.users), { testid: 'issue-users' })],
    ['Events in all', num(issue.total_count, f.count(issue.total_count), { testid: 'issue-total-count' })],
    ['First seen', num(issue.first_seen, f.time(issue.first_seen), { testid: 'issue-first-seen' })],
    ['Last seen', num(issue.last_seen, f.time(issue.last_seen), { testid: 'issue-last-seen' })],
    ['First release', h('span', { testid: 'issue-first-release' }, issue.first_release ?? '—')],
    ['Last release', h('span', { testid: 'issue-last-release' }, issue.last_release ?? '—')],
    issue.resolved_in_release && ['Resolved in', h('span', { testid: 'issue-resolved-in' }, issue.resolved_in_release)],
    issue.status_changed_at && ['Status set', num(issue.status_changed_at, f.time(issue.status_changed_at))],
  ].filter(Boolean);
  return [
    h('div', { class: 'issue-title-row' },
      h('div', {},
        h('h1', { testid: 'issue-heading' }, issue.title || '(no message)'),
        h('div', { class: 'muted', testid: 'issue-culprit' }, issue.culprit || '—')),
      h('div', { class: 'issue-status-box' },
        h('span', { class: `badge level-${issue.level}`, testid: 'issue-level' }, issue.level),
        statusBadge(issue.status),
        issue.regression && h('span', { class: 'badge warn', testid: 'issue-regression' }, 'regression'),
        statusActions(issue, ctx))),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    h('div', { class: 'muted small' }, 'Fingerprint ', h('code', {}, issue.fingerprint)),
  ];
}

/** An error event: exception and stack, breadcrumbs, and its context. */
export function eventView(e) {
  const values = [...(e.exception?.values || [])].reverse();
  return [
    h('div', { class: 'muted small', testid: 'event-meta' }, 'Event ', h('code', { testid: 'event-id' }, e.event_id), ' · ', f.time(e.timestamp),
      ' · received ', f.time(e.received_at)),
    values.length
      ? h('div', { class: 'exceptions', testid: 'exception' }, values.map((v, i) => exception(v, i)))
      : h('p', {}, e.message || 'No exception data.'),
    h('div', { class: 'event-columns' },
      h('div', {}, h('h3', {}, 'Breadcrumbs'), breadcrumbs(e)),
      h('div', {}, h('h3', {}, 'Context'), context(e))),
  ];
}

function exception(v, index) {
  const frames = [...(v.stacktrace?.frames || [])].reverse();
  const handled = v.mechanism?.handled;
  return h('div', { class: 'exception', testid: 'exception-value' },
    index > 0 && h('div', { class: 'muted small' }, 'Caused by'),
    h('h3', { class: 'exc-title' }, h('span', { class: 'exc-type' }, v.type || 'Error'), v.value ? `: ${v.value}` : ''),
    v.mechanism && h('div', { class: 'muted small' }, `mechanism ${v.mechanism.type || '?'}`,
      handled === false ? ' · unhandled' : handled === true ? ' · handled' : '',
      v.mechanism.data?.cross_origin ? ' · cross-origin script (load it with crossorigin for details)' : ''),
    frames.length
      ? h('ol', { class: 'frames', testid: 'stacktrace' },
        h('li', { class: 'muted small' }, 'Most recent call first'), frames.map(frame))
      : h('p', { class: 'muted' }, 'No stack trace.'));
}

function frame(fr) {
  const inApp = fr.in_app === true;
  const where = [fr.filename || fr.abs_path || '?', fr.lineno, fr.colno].filter((x) => x !== undefined && x !== null).join(':');
  const summary = h('summary', {},
    h('span', { class: 'fn' }, fr.function || '<anonymous>'), ' ', h('span', { class: 'file' }, where),
    inApp && h('span', { class: 'badge in-app' }, 'in app'));
  const hasContext = typeof fr.context_line === 'string';
  const first = (fr.lineno || 1) - (fr.pre_context?.length || 0);
  const lines = hasContext
    ? [...(fr.pre_context || []), fr.context_line, ...(fr.post_context || [])].map((text, i) => {
      const no = first + i;
      return h('div', { class: `line${no === fr.lineno ? ' hit' : ''}` }, h('span', { class: 'no' }, String(no)), h('span', { class: 'src' }, text));
    })
    : [];
  return h('li', { class: `frame${inApp ? ' in-app' : ''}`, testid: 'frame', 'data-in-app': String(inApp) },
    h('details', { open: inApp && hasContext }, summary,
      hasContext ? h('pre', { class: 'context', testid: 'frame-context' }, lines) : h('div', { class: 'muted small pad' }, 'No source context (upload the release\'s source maps with sources).'),
      fr.minified && h('div', { class: 'muted small pad', testid: 'frame-minified' }, 'minified: ',
        h('code', {}, `${fr.minified.function || '?'} ${[fr.minified.filename, fr.minified.lineno, fr.minified.colno].filter(Boolean).join(':')}`))));
}

function breadcrumbs(e) {
  const crumbs = e.breadcrumbs || [];
  if (!crumbs.length) return h('p', { class: 'muted' }, 'No breadcrumbs.');
  return h('ol', { class: 'timeline', testid: 'breadcrumbs' }, crumbs.map((b) => {
    const rel = typeof b.timestamp === 'number' && typeof e.timestamp === 'number' ? (b.timestamp - e.timestamp) / 1000 : null;
    const data = b.data && Object.keys(b.data).length ? JSON.stringify(b.data) : '';
    return h('li', { class: `crumb level-${b.level || 'info'}`, testid: 'breadcrumb', 'data-category': b.category || '' },
      h('span', { class: 'when', title: f.time(b.timestamp) }, rel === null ? '' : `${rel.toFixed(1)} s`),
      h('span', { class: 'cat' }, b.category || 'default'),
      h('span', { class: 'msg' }, b.message || '', data && h('code', { class: 'data' }, data)));
  }));
}

function context(e) {
  const rows = (obj, keys) => keys.filter((k) => obj?.[k] !== undefined && obj[k] !== '').map((k) => [k, typeof obj[k] === 'object' ? JSON.stringify(obj[k]) : String(obj[k])]);
  const block = (title, pairs, testid) => pairs.length > 0 && h('div', { class: 'ctx', testid },
    h('h4', {}, title), h('dl', { class: 'kv' }, pairs.map(([k, v]) => h('div', { testid: `${testid}-${k}` }, h('dt', {}, k), h('dd', {}, v)))));
  const viewport = e.browser?.viewport ? `${e.browser.viewport.w}×${e.browser.viewport.h}` : undefined;
  return h('div', {},
    block('Event', rows({ level: e.level, release: e.release, environment: e.environment }, ['level', 'release', 'environment']), 'event'),
    block('Page', rows(e.page, ['url', 'title', 'referrer']), 'event-page'),
    block('User', rows(e.user, ['id', 'visitor_id', 'session_id', 'username', 'email', 'ip_address']), 'event-user'),
    block('Browser', rows({ ...e.browser, viewport }, ['user_agent', 'language', 'viewport']), 'event-browser'),
    block('Tags', Object.entries(e.tags || {}).map(([k, v]) => [k, String(v)]), 'event-tag'),
    e.extra && block('Extra', Object.entries(e.extra).map(([k, v]) => [k, JSON.stringify(v)]), 'event-extra'),
    !e.tags && h('p', { class: 'muted small' }, 'No tags.'));
}

/** The issue's events, newest first, PAGE at a time; clicking one shows it above. */
function eventList(body, ctx, fingerprint, show) {
  const rows = h('tbody', {});
  const more = h('button', { class: 'btn', testid: 'events-more', hidden: true }, 'Load more');
  const status = h('div', {});
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    status.replaceChildren(loading());
    try {
      const page = await ctx.get(`issues/${fingerprint}/events`, { limit: PAGE, cursor });
      status.replaceChildren();
      if (!page.events.length && !rows.childElementCount) status.replaceChildren(empty('No events of this issue in this range.'));
      for (const e of page.events) {
        rows.append(h('tr', { testid: 'issue-event', 'data-event-id': e.event_id, class: 'clickable', onclick: () => show(e), tabindex: '0', onkeydown: (k) => { if (k.key === 'Enter') show(e); } },
          h('td', {}, f.time(e.timestamp)),
          h('td', {}, e.release || '—'),
          h('td', {}, h('span', { class: 'ellipsis', title: e.page?.url || '' }, f.path(e.page?.url) || '—')),
          h('td', {}, h('span', { title: e.browser?.user_agent || '' }, shortAgent(e.browser?.user_agent))),
          h('td', {}, h('span', { class: 'ellipsis' }, e.user?.id || e.user?.visitor_id || '—'))));
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
      more.disabled = false;
    } catch (error) {
      if (error?.name === 'AbortError') return;
      status.replaceChildren(errorBox(error, load));
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  body.replaceChildren(
    h('div', { class: 'table-wrap' }, h('table', { testid: 'issue-events-table' },
      h('thead', {}, h('tr', {}, ['Time', 'Release', 'Page', 'Browser', 'User'].map((t) => h('th', {}, t)))), rows)),
    status, more);
  load();
}

const BROWSER_RULES = [[/Edg\/(\d+)/, 'Edge'], [/OPR\/(\d+)/, 'Opera'], [/SamsungBrowser\/(\d+)/, 'Samsung'],
  [/Firefox\/(\d+)/, 'Firefox'], [/Chrome\/(\d+)/, 'Chrome'], [/Version\/(\d+).*Safari/, 'Safari']];
const OS_RULES = [[/Windows/, 'Windows'], [/iPhone|iPad/, 'iOS'], [/Android/, 'Android'], [/CrOS/, 'Chrome OS'],
  [/Mac OS X/, 'macOS'], [/Linux/, 'Linux']];

/** "Chrome 131 · Windows" from a user agent, roughly (events carry the raw user agent only). */
export function shortAgent(ua) {
  if (!ua) return '—';
  let browser = 'Other';
  for (const [re, name] of BROWSER_RULES) {
    const m = re.exec(ua);
    if (m) { browser = `${name} ${m[1]}`; break; }
  }
  const os = OS_RULES.find(([re]) => re.test(ua))?.[1];
  return os ? `${browser} · ${os}` : browser;
}
