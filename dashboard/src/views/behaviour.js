// Behaviour: top pages (views, time on page, errors), entry and exit pages, referrers,
// browsers / OSes / devices, clicked and rage-clicked targets, form submits, and sessions.
import * as f from '../format.js';
import { empty, errorBox, fill, h, loading, num, panel, table } from '../ui.js';

const LIMIT = 10;

export function render(root, ctx) {
  const pages = panel('Top pages', { wide: true, testid: 'behaviour-pages' });
  const lists = [
    ['pages_by_time', 'Time on page', 'time-page'],
    ['pages_by_errors', 'Pages by errors', 'error-page'],
    ['entry_pages', 'Entry pages', 'entry-page'],
    ['exit_pages', 'Exit pages', 'exit-page'],
    ['referrers', 'Referrers', 'referrer'],
    ['browsers', 'Browsers', 'browser-row'],
    ['operating_systems', 'Operating systems', 'os-row'],
    ['devices', 'Devices', 'device-row'],
    ['clicks', 'Top clicked targets', 'click-target'],
    ['rage_clicks', 'Rage-clicked targets', 'rage-target'],
    ['form_submits', 'Form submits', 'form-target'],
  ].map(([key, title, testid]) => ({ key, testid, ...panel(title, { testid: `behaviour-${key}`, span2: key === 'pages_by_time' }) }));
  const sessions = panel('Sessions', { wide: true, testid: 'behaviour-sessions' });
  root.append(h('div', { class: 'grid' }, pages.el, ...lists.map((l) => l.el), sessions.el));

  const answer = ctx.get('behaviour', { limit: LIMIT });
  fill(pages.body, answer, (b) => topPages(b, ctx), ctx.signal);
  for (const l of lists) fill(l.body, answer, (b) => entryList(l.key, b[l.key], l.testid, ctx), ctx.signal);
  sessionsPanel(sessions.body, ctx);
}

const pageLink = (ctx, path) => h('a', { href: ctx.link('/behaviour', { page: path }), title: 'Filter by this page', class: 'ellipsis' }, path || '(none)');

function bar(value, max) {
  return h('span', { class: 'bar' }, h('span', { style: `width:${max ? ((value / max) * 100).toFixed(1) : 0}%` }));
}

function topPages(b, ctx) {
  if (!b.pages_by_views.length) {
    return empty('No page views in this range. The SDK sends one on every load and SPA navigation.', { snippet: true });
  }
  const time = new Map(b.pages_by_time.map((e) => [e.name, e]));
  const errors = new Map(b.pages_by_errors.map((e) => [e.name, e]));
  const max = b.pages_by_views[0].count;
  return [table([
    { label: 'Page', class: 'grow', cell: (e) => [pageLink(ctx, e.name), bar(e.count, max)] },
    { label: 'Views', num: true, cell: (e) => num(e.count, f.count(e.count), { testid: 'top-page-views' }) },
    { label: 'Visitors', num: true, cell: (e) => num(e.visitors ?? null, f.count(e.visitors), { testid: 'top-page-visitors' }) },
    { label: 'Avg time', num: true, cell: (e) => { const v = time.get(e.name)?.average_ms ?? null; return num(v, f.ms(v), { testid: 'top-page-time' }); } },
    { label: 'Errors', num: true, cell: (e) => { const v = errors.get(e.name)?.count ?? null; return num(v, v === null ? '—' : f.count(v), { testid: 'top-page-errors' }); } },
  ], b.pages_by_views, { row: (e) => ({ testid: 'top-page', 'data-page': e.name }) }),
  h('p', { class: 'muted small' }, 'Avg time and errors where the page is also in the top ', String(LIMIT), ' of those lists (— otherwise).')];
}

/** One list of the behaviour answer; columns by what the list's entries carry. */
function entryList(key, entries, testid, ctx) {
  if (!entries.length) return empty(EMPTY[key] || 'Nothing in this range.');
  const max = Math.max(...entries.map((e) => (key === 'pages_by_time' ? e.total_ms : e.count)));
  const isPage = ['pages_by_time', 'pages_by_errors', 'entry_pages', 'exit_pages'].includes(key);
  const isTarget = ['clicks', 'rage_clicks', 'form_submits'].includes(key);
  const name = (e) => (isPage ? pageLink(ctx, e.name) : isTarget ? h('code', { class: 'ellipsis', title: e.name }, e.name) : h('span', {}, e.name));
  const columns = [
    { label: LABELS[key][0], class: 'grow', cell: (e) => [name(e), bar(key === 'pages_by_time' ? e.total_ms : e.count, max)] },
    key === 'pages_by_time' && { label: 'Avg / view', num: true, cell: (e) => num(e.average_ms ?? null, f.ms(e.average_ms), { testid: `${testid}-average` }) },
    key === 'pages_by_time' && { label: 'Total', num: true, opt: true, cell: (e) => num(e.total_ms ?? null, f.ms(e.total_ms)) },
    { label: LABELS[key][1], num: true, opt: key === 'pages_by_time', cell: (e) => num(e.count, f.count(e.count), { testid: `${testid}-count` }) },
    key === 'rage_clicks' && { label: 'Clicks', num: true, cell: (e) => num(e.clicks ?? null, f.count(e.clicks), { testid: `${testid}-clicks` }) },
    'visitors' in entries[0] && { label: 'Visitors', num: true, cell: (e) => num(e.visitors ?? null, f.count(e.visitors)) },
  ].filter(Boolean);
  return table(columns, entries, { row: (e) => ({ testid, 'data-name': e.name }) });
}

const LABELS = {
  pages_by_time: ['Page', 'Reports'], pages_by_errors: ['Page', 'Errors'], entry_pages: ['Page', 'Sessions'],
  exit_pages: ['Page', 'Sessions'], referrers: ['Host', 'Views'], browsers: ['Browser', 'Views'],
  operating_systems: ['OS', 'Views'], devices: ['Device', 'Views'], clicks: ['Target', 'Clicks'],
  rage_clicks: ['Target', 'Bursts'], form_submits: ['Form', 'Submits'],
};
const EMPTY = {
  pages_by_time: 'No time-on-page reports: the SDK sends them when a view ends or the tab is hidden.',
  pages_by_errors: 'No errors on any page in this range.',
  referrers: 'No visits from other sites in this range (direct visits and SPA navigations are left out).',
  clicks: 'No clicks recorded in this range.',
  rage_clicks: 'No rage clicks: nobody clicked one element 3 times within a second.',
  form_submits: 'No form submits in this range.',
};

/** Session figures from /overview, the latest sessions from /sessions, a timeline per session. */
function sessionsPanel(body, ctx) {
  const figures = h('div', { class: 'kpis compact' }, loading());
  const list = h('div', {}, loading());
  const timeline = h('div', { testid: 'session-timeline' });
  body.append(figures, h('h3', {}, 'Recent sessions'), list, timeline);

  ctx.get('overview').then((o) => {
    const t = o.totals;
    figures.replaceChildren(
      fig('Sessions', num(t.sessions.value, f.count(t.sessions.value), { testid: 'behaviour-sessions-count' })),
      fig('Avg duration', num(t.avg_session_duration_ms.value, f.ms(t.avg_session_duration_ms.value), { testid: 'behaviour-session-duration' })),
      fig('Bounce rate', num(t.bounce_rate.value, f.share(t.bounce_rate.value), { testid: 'behaviour-bounce-rate' })),
      fig('Unique visitors', num(t.unique_visitors.value, f.count(t.unique_visitors.value), { testid: 'behaviour-visitors' })));
  }, (error) => { if (error?.name !== 'AbortError') figures.replaceChildren(errorBox(error)); });

  const showSession = (id) => {
    ctx.replaceQuery({ session: id });
    list.querySelectorAll('tr.on').forEach((tr) => tr.classList.remove('on'));
    list.querySelector(`tr[data-session="${CSS.escape(id)}"]`)?.classList.add('on');
    timeline.replaceChildren(h('h3', {}, 'Session ', h('code', {}, id)), h('div', {}));
    fill(timeline.lastChild, ctx.get('events', { session: id, limit: 200 }), (page) => sessionTimeline(page.events), ctx.signal);
  };

  fill(list, ctx.get('sessions', { limit: 20 }), (answer) => {
    const rows = answer.sessions;
    if (!rows.length) return empty('No sessions in this range.');
    return table([
      { label: 'Started', cell: (s) => num(s.started_at, f.time(s.started_at)) },
      { label: 'Views', num: true, cell: (s) => num(s.page_views, f.count(s.page_views), { testid: 'session-views' }) },
      { label: 'Events', num: true, opt: true, cell: (s) => num(s.events, f.count(s.events), { testid: 'session-events' }) },
      { label: 'Errors', num: true, cell: (s) => num(s.errors, f.count(s.errors), { class: s.errors ? 'r-poor' : '' }) },
      { label: 'Duration', num: true, opt: true, cell: (s) => num(s.duration_ms, f.ms(s.duration_ms)) },
      { label: 'Entry', cell: (s) => h('span', { class: 'ellipsis' }, s.entry_page || f.DASH) },
      { label: 'Exit', opt: true, cell: (s) => h('span', { class: 'ellipsis' }, s.exit_page || f.DASH) },
      { label: 'Browser', cell: (s) => [s.browser, s.device].filter(Boolean).join(' · ') || f.DASH },
      { label: '', cell: (s) => h('button', { class: 'btn small', testid: 'session-open', onclick: () => showSession(s.session_id) }, 'Events') },
    ], rows, { row: (s) => ({ testid: 'session-row', 'data-session': s.session_id }) });
  }, ctx.signal).then(() => {
    const id = ctx.route.query.get('session');
    if (id) showSession(id);
  });
}

const fig = (label, value) => { value.classList.add('kpi-value'); return h('div', { class: 'kpi' }, h('div', { class: 'kpi-label' }, label), value); };

function sessionTimeline(events) {
  if (!events.length) return empty('No events of this session in this range.');
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  const start = sorted[0].timestamp;
  return h('ol', { class: 'timeline' }, sorted.map((e) => h('li', { class: `crumb type-${e.type}`, testid: 'session-event', 'data-type': e.type },
    h('span', { class: 'when', title: f.time(e.timestamp) }, `+${f.ms(e.timestamp - start)}`),
    h('span', { class: 'cat' }, e.type),
    h('span', { class: 'msg' }, headline(e)))));
}

function headline(e) {
  switch (e.type) {
    case 'page_view': return f.path(e.page?.url);
    case 'error': { const v = e.exception?.values?.at(-1); return `${v?.type || 'Error'}: ${v?.value || ''}`; }
    case 'message': return e.message;
    case 'click': case 'rage_click': case 'form_submit': return `${e.target}${e.text ? ` "${e.text}"` : ''}`;
    case 'web_vital': return `${e.name} ${f.vital(e.name, e.value)}`;
    case 'time_on_page': return `${f.path(e.page?.url)} ${f.ms(e.duration)}`;
    case 'http_error': return `${e.http?.method || ''} ${e.http?.url} → ${e.http?.status}`;
    case 'resource_error': return e.resource?.url;
    case 'custom': return e.name;
    default: return f.path(e.page?.url);
  }
}
