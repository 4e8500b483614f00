// Overview: KPI cards with the change against the previous period, the series, and a live
// chart of events per minute fed by the server-sent-events stream.
import { liveStream } from '../api.js';
import { mount, timeChart, timeOption, TYPE_COLORS } from '../charts.js';
import { hasFilters } from '../filters.js';
import * as f from '../format.js';
import { empty, errorBox, fill, h, loading, num, panel, setNum, table } from '../ui.js';

const KPIS = [
  ['events', 'Events', f.count],
  ['page_views', 'Page views', f.count],
  ['unique_visitors', 'Unique visitors', f.count],
  ['sessions', 'Sessions', f.count],
  ['avg_session_duration_ms', 'Avg session duration', f.ms],
  ['bounce_rate', 'Bounce rate', f.share, { upIsBad: true }],
  ['error_rate', 'Error rate', f.perMille, { upIsBad: true, unit: 'errors per 1,000 page views' }],
];

const LIVE_MINUTES = 60;

export function render(root, ctx) {
  const intro = h('div');
  const kpis = h('div', { class: 'kpis', testid: 'kpis' }, loading());
  const types = panel('Events by type', { testid: 'events-by-type' });
  const traffic = panel('Traffic', { wide: true, testid: 'overview-traffic' });
  const errors = panel('Errors', { testid: 'overview-errors' });
  const engagement = panel('Sessions', { testid: 'overview-sessions' });
  const live = livePanel(ctx);
  root.append(intro, kpis, h('div', { class: 'grid' }, live.el, live.today, traffic.el, errors.el, engagement.el, types.el));

  const answer = ctx.get('overview');
  fill(traffic.body, answer, (o) => seriesChart(o, 'traffic'), ctx.signal);
  fill(errors.body, answer, (o) => seriesChart(o, 'errors'), ctx.signal);
  fill(engagement.body, answer, (o) => seriesChart(o, 'sessions'), ctx.signal);
  fill(types.body, answer, byType, ctx.signal);
  answer.then((o) => {
    kpis.replaceChildren(...KPIS.map(([key, label, fmt, opts]) => kpiCard(key, label, fmt, o.totals[key], opts, o.previous)));
    if (o.totals.events.value === 0) {
      intro.replaceChildren(empty('No events in this range for this project.'
        + (hasFilters(ctx.filters) ? ' Try a longer range or clear the filters.' : ''), { snippet: true }));
    }
  }, (error) => {
    if (error?.name !== 'AbortError') kpis.replaceChildren(errorBox(error, ctx.rerender));
  });
  return live.stop;
}


function kpiCard(key, label, fmt, figure, { upIsBad = false, unit } = {}, previous) {
  const c = figure.change;
  const tone = c === null || c === 0 ? 'flat' : (c > 0) !== upIsBad ? 'good' : 'bad';
  return h('div', { class: 'kpi', testid: `kpi-card-${key}` },
    h('div', { class: 'kpi-label' }, label),
    num(figure.value, fmt(figure.value), { class: 'kpi-value', testid: `kpi-${key}`, title: unit }),
    h('div', { class: 'kpi-foot' },
      num(c, c === null ? (figure.value ? 'new' : '—') : `${c > 0 ? '▲' : c < 0 ? '▼' : ''} ${f.change(c)}`.trim(),
        { class: `delta ${tone}`, testid: `kpi-change-${key}`, title: 'Change against the previous period of equal length' }),
      h('span', { class: 'muted', title: `${f.time(previous.from)} – ${f.time(previous.to)}` },
        ' vs ', num(figure.previous, fmt(figure.previous), { testid: `kpi-previous-${key}` }))));
}

function byType(o) {
  if (!o.events_by_type.length) return empty('No events yet.');
  return table([
    { label: 'Type', cell: (r) => h('span', { class: 'type' }, h('i', { class: 'dot', style: `background:${TYPE_COLORS[r.type] || '#999'}` }), r.type) },
    { label: 'Events', num: true, cell: (r) => num(r.value, f.count(r.value), { testid: `kpi-type-${r.type}` }) },
    { label: 'Previous', num: true, cell: (r) => num(r.previous, f.count(r.previous)) },
    { label: 'Change', num: true, cell: (r) => num(r.change, f.change(r.change), { testid: `kpi-type-change-${r.type}` }) },
  ], o.events_by_type, { row: (r) => ({ testid: 'event-type-row', 'data-type': r.type }) });
}

function seriesChart(o, which) {
  const el = h('div', { class: 'chart', testid: `overview-chart-${which}` });
  const pts = (key) => o.series.map((p) => [p.t, p[key]]);
  const spec = {
    traffic: {
      series: [
        { name: 'Page views', type: 'bar', data: pts('page_views'), color: '#4f6bed' },
        { name: 'Unique visitors', data: pts('unique_visitors'), color: '#12a594' },
        { name: 'Sessions', data: pts('sessions'), color: '#f5a524' },
        { name: 'Events', data: pts('events'), color: '#7c8da6', dashed: true },
      ],
      axes: [{ format: f.count, integer: true }],
      selected: { Events: false },
    },
    errors: {
      series: [
        { name: 'Errors', type: 'bar', data: pts('errors'), color: '#e5484d' },
        { name: 'Error rate', data: pts('error_rate'), axis: 1, color: '#b4235a' },
      ],
      axes: [{ format: f.count, integer: true }, { name: '‰ views', format: f.perMille }],
    },
    sessions: {
      series: [
        { name: 'Avg session duration', type: 'bar', data: pts('avg_session_duration_ms'), color: '#8e4ec6' },
        { name: 'Bounce rate', data: pts('bounce_rate'), axis: 1, color: '#f76b15' },
      ],
      axes: [{ format: f.ms }, { format: f.share }],
    },
  }[which];
  requestAnimationFrame(() => el.isConnected && timeChart(el, { ...spec, intervalMs: o.interval_ms }));
  return [el, h('p', { class: 'muted small' }, `${o.series.length} buckets of ${f.interval(o.interval_ms)}`)];
}

/** The live panel: counters, and events per minute by type for the last hour. */
function livePanel(ctx) {
  const total = num(null, '—', { testid: 'live-total', class: 'big' });
  const minuteTotal = num(null, '—', { testid: 'live-minute-total' });
  const status = h('span', { class: 'badge', testid: 'live-status' }, 'connecting');
  const typesEl = h('div', { class: 'chips', testid: 'live-by-type' });
  const chartEl = h('div', { class: 'chart', testid: 'live-chart' });
  const note = h('div', { class: 'muted small', testid: 'live-note' });
  const { el, body } = panel('Live: events per minute', { span2: true, testid: 'live', extra: status });
  body.append(
    h('div', { class: 'live-head' },
      h('div', {}, h('div', { class: 'kpi-label' }, 'Events counted'), total),
      h('div', {}, h('div', { class: 'kpi-label' }, 'This minute'), minuteTotal),
      typesEl),
    chartEl, note,
    h('p', { class: 'muted small' }, 'All of the project\'s events, unfiltered, from the real-time layer; updates every second.'));

  const minutes = new Map();
  let chart = null;
  let lastDraw = 0;
  const draw = () => {
    const now = Date.now();
    const cutoff = Math.floor(now / 60000) * 60000 - (LIVE_MINUTES - 1) * 60000;
    for (const start of minutes.keys()) if (start < cutoff) minutes.delete(start);
    const starts = [...minutes.keys()].sort((a, b) => a - b);
    const typeNames = [...new Set(starts.flatMap((s) => Object.keys(minutes.get(s))))].filter((t) => t !== 'total').sort();
    const option = timeOption({
      legend: false,
      series: typeNames.map((t) => ({
        name: t, type: 'bar', stack: 'events', color: TYPE_COLORS[t] || '#999',
        data: starts.map((s) => [s, minutes.get(s)[t] || 0]),
      })),
      axes: [{ format: f.count, integer: true }],
    });
    option.xAxis.min = cutoff;
    option.xAxis.max = cutoff + LIVE_MINUTES * 60000;
    if (!chart) chart = mount(chartEl);
    chart.setOption(option, { notMerge: true, lazyUpdate: true });
    chartEl.dataset.minutes = String(starts.length);
    chartEl.dataset.lastMinuteTotal = JSON.stringify(minutes.get(starts.at(-1))?.total ?? 0);
  };

  ctx.get('live/windows/events', { minutes: LIVE_MINUTES }, { filtered: false }).then((w) => {
    for (const m of w.minutes) if (!minutes.has(m.start) || m.start < Math.floor(Date.now() / 60000) * 60000) minutes.set(m.start, m.counts);
    requestAnimationFrame(draw);
  }, (error) => {
    if (error?.name !== 'AbortError') note.replaceChildren(errorBox(error));
  });

  const onTick = (tick) => {
    setNum(total, tick.counters.total, f.count(tick.counters.total));
    total.dataset.at = String(tick.at);
    setNum(minuteTotal, tick.minute.counts.total ?? 0, f.count(tick.minute.counts.total ?? 0));
    typesEl.replaceChildren(...Object.entries(tick.counters.by_type).sort((a, b) => b[1] - a[1]).map(([t, n]) =>
      h('span', { class: 'chip static' }, h('i', { class: 'dot', style: `background:${TYPE_COLORS[t] || '#999'}` }), `${t} `,
        num(n, f.count(n), { testid: `live-type-${t}` }))));
    minutes.set(tick.minute.start, tick.minute.counts);
    if (Date.now() - lastDraw > 900) {
      lastDraw = Date.now();
      draw();
    }
  };
  const labels = { connecting: 'connecting…', open: 'live', unavailable: 'live store unavailable', error: 'reconnecting', auth: 'token needed' };
  const stopStream = liveStream(ctx.project, {
    onTick,
    onStatus: (state, detail) => {
      status.textContent = labels[state] || state;
      status.className = `badge ${state === 'open' ? 'ok live' : state === 'connecting' ? '' : 'warn'}`;
      status.dataset.state = state;
      status.title = detail || '';
    },
  });

  const today = todayPanel(ctx);
  return { el, today: today.el, stop: () => { stopStream(); today.stop(); } };
}

/** Today's live Top pages and the visitors of the last 30 minutes, refreshed every 30 s. */
function todayPanel(ctx) {
  const { el, body } = panel('Live today', { testid: 'live-today' });
  const load = () => fill(body, Promise.all([
    ctx.get('live/top/pages_by_views', { limit: 5 }, { filtered: false }),
    ctx.get('live/uniques/visitors', { per: 'minute', last: 30 }, { filtered: false }),
  ]), ([top, uniques]) => [
    h('div', { class: 'kpi-label' }, 'Visitors, last 30 minutes'),
    num(uniques.total, f.count(uniques.total), { class: 'big', testid: 'live-visitors-30m' }),
    h('h3', {}, `Top pages today (${top.day}, UTC)`),
    top.entries.length
      ? table([
        { label: 'Page', cell: (r) => h('a', { href: ctx.link('/behaviour', { page: r.member }) }, r.member) },
        { label: 'Views', num: true, cell: (r) => num(r.score, f.count(r.score)) },
      ], top.entries, { row: () => ({ testid: 'live-top-page' }) })
      : h('p', { class: 'muted' }, 'No page views today yet.'),
  ], ctx.signal);
  load();
  const timer = setInterval(load, 30000);
  return { el, stop: () => clearInterval(timer) };
}
