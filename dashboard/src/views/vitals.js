// Web vitals: the performance score, each metric's percentile and rating split with its
// thresholds, by device; the P75 trend; pages ranked by traffic; attribution samples.
import { timeChart, VITAL_COLORS } from '../charts.js';
import * as f from '../format.js';
import { empty, errorBox, fill, h, loading, num, panel, table } from '../ui.js';

const METRICS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];
const PCTS = ['p50', 'p75', 'p90', 'p95', 'p99'];
const DEVICES = ['all', 'mobile', 'tablet', 'desktop'];
const UNIT = (name) => (name === 'CLS' ? '' : ' ms');

/** What the SDK's attribution says about each metric (docs/protocol.md). */
const ATTRIBUTION = {
  LCP: { title: 'LCP elements', key: (a) => a.target, extra: (a) => a.url },
  INP: { title: 'INP interaction targets', key: (a) => a.interaction_target, extra: (a) => a.interaction_type },
  CLS: { title: 'CLS largest shift targets', key: (a) => a.largest_shift_target, extra: (a) => a.load_state },
};
const SAMPLE = 200;

export function render(root, ctx) {
  const state = {
    pct: PCTS.includes(ctx.route.query.get('pct')) ? ctx.route.query.get('pct') : 'p75',
    device: DEVICES.includes(ctx.route.query.get('device')) ? ctx.route.query.get('device') : 'all',
  };
  const controls = h('div', { class: 'toolbar' });
  const top = h('div', { class: 'vitals-top' });
  const trend = panel('P75 over time', { wide: true, testid: 'vitals-trend' });
  const pages = panel('Pages by traffic', { wide: true, testid: 'vitals-pages' });
  const browsers = panel('By browser', { wide: true, testid: 'vitals-browsers' });
  const all = panel('All metrics', { wide: true, testid: 'vitals-all' });
  const attribution = panel('Attribution', { wide: true, testid: 'vitals-attribution' });
  root.append(controls, top, h('div', { class: 'grid' }, trend.el, pages.el, attribution.el, browsers.el, all.el));

  let data = null;
  const draw = () => {
    controls.replaceChildren(...toolbar(state, data, (patch) => {
      Object.assign(state, patch);
      ctx.replaceQuery({ pct: state.pct === 'p75' ? '' : state.pct, device: state.device === 'all' ? '' : state.device });
      draw();
    }));
    if (!data) return;
    const group = state.device === 'all' ? data : data.devices.find((d) => d.key === state.device);
    top.replaceChildren(...summary(group, state, data));
    all.body.replaceChildren(allMetrics(group));
  };
  draw();

  const answer = ctx.get('vitals', { pages: 20 });
  top.replaceChildren(loading());
  all.body.replaceChildren(loading());
  answer.then((v) => {
    data = v;
    draw();
  }, (error) => {
    if (error?.name === 'AbortError') return;
    top.replaceChildren(errorBox(error, ctx.rerender));
    all.body.replaceChildren(errorBox(error));
  });
  fill(trend.body, answer, trendChart, ctx.signal);
  fill(pages.body, answer, (v) => groupTable(v.pages, 'page', ctx), ctx.signal);
  fill(browsers.body, answer, (v) => groupTable(v.browsers, 'browser', ctx), ctx.signal);
  fill(attribution.body, Promise.all(Object.keys(ATTRIBUTION).map((name) =>
    ctx.get('events', { type: 'web_vital', q: name, limit: SAMPLE }).then((page) => [name, page.events.filter((e) => e.name === name)]))),
  attributionTables, ctx.signal);
}

function toolbar(state, data, set) {
  const present = new Set((data?.devices || []).map((d) => d.key));
  return [
    h('label', { class: 'field inline' }, h('span', {}, 'Percentile'),
      Object.assign(h('select', { testid: 'vitals-percentile', onchange: (e) => set({ pct: e.target.value }) },
        PCTS.map((p) => h('option', { value: p }, p.toUpperCase()))), { value: state.pct })),
    h('div', { class: 'presets', role: 'group', 'aria-label': 'Device', testid: 'vitals-device' },
      DEVICES.map((d) => h('button', {
        type: 'button', class: `chip${state.device === d ? ' on' : ''}`, testid: `vitals-device-${d}`,
        'aria-pressed': String(state.device === d), disabled: d !== 'all' && data && !present.has(d),
        title: d !== 'all' && data && !present.has(d) ? `No ${d} reports in this range` : '',
        onclick: () => set({ device: d }),
      }, d === 'all' ? 'All devices' : d))),
  ];
}

function summary(group, state, data) {
  if (!group) return [empty(`No web vitals from ${state.device} devices in this range.`)];
  const metrics = Object.fromEntries(group.metrics.map((m) => [m.name, m]));
  const none = METRICS.every((name) => !metrics[name]?.count);
  const s = group.score;
  const scoreCard = h('div', { class: `score-card ${f.scoreRating(s.score)}`, testid: 'vitals-score-card' },
    h('div', {},
      h('div', { class: 'kpi-label' }, 'Performance score', state.device !== 'all' && ` · ${state.device}`),
      num(s.score, f.score(s.score), { class: 'score', testid: 'vitals-score' }),
      h('div', { class: 'muted small' }, s.score === null
        ? 'No LCP, INP, CLS, FCP or TTFB reports to score.'
        : 'Of 100: the P75 of each metric scored on its curve (90 at the good threshold, 50 at poor), weighted LCP 30 %, INP 30 %, CLS 15 %, FCP 15 %, TTFB 10 % (scaled when one is missing).')),
    s.parts.length > 0 && table([
      { label: 'Metric', cell: (p) => p.name },
      { label: 'P75', num: true, cell: (p) => num(p.p75, f.vital(p.name, p.p75)) },
      { label: 'Score', num: true, cell: (p) => num(p.score, f.score(p.score), { testid: `vitals-score-${p.name}` }) },
      { label: 'Weight', num: true, cell: (p) => num(p.weight, f.share(p.weight)) },
    ], s.parts, { row: () => ({ testid: 'score-part' }) }));
  const cards = h('div', { class: 'vital-cards' }, METRICS.map((name) => metricCard(name, metrics[name], state.pct)));
  return [
    none ? empty(`No web vitals in this range${state.device !== 'all' ? ` from ${state.device} devices` : ''}. The SDK reports LCP, INP, CLS, FCP and TTFB by itself once installed.`, { snippet: data.metrics.length === 0 }) : null,
    h('div', { class: 'vitals-summary' }, scoreCard, cards),
  ].filter(Boolean);
}

function metricCard(name, m, pct) {
  const [good, poor] = f.THRESHOLDS[name];
  const head = h('div', { class: 'vital-head' }, h('strong', {}, name),
    h('span', { class: 'muted small', testid: `vital-thresholds-${name}` }, `good ≤ ${good}${UNIT(name)} · poor > ${poor}${UNIT(name)}`));
  if (!m || !m.count) {
    return h('div', { class: 'vital-card none', testid: `vital-card-${name}` }, head,
      num(null, '—', { class: 'vital-value', testid: `vital-${pct}-${name}` }),
      h('div', { class: 'muted small' }, `No ${name} reports`));
  }
  const value = m[pct];
  const shares = [['good', m.good], ['needs_improvement', m.needs_improvement], ['poor', m.poor]];
  return h('div', { class: `vital-card ${f.rating(name, value)}`, testid: `vital-card-${name}`, 'data-count': m.count },
    head,
    h('div', { class: 'vital-big' },
      num(value, f.vital(name, value), { class: 'vital-value', testid: `vital-value-${name}`, 'data-percentile': pct }),
      h('span', { class: 'muted' }, pct.toUpperCase())),
    h('div', { class: 'muted small' }, name === 'CLS' ? 'Percentiles' : 'Percentiles, ms'),
    h('div', { class: 'pcts' }, PCTS.map((p) => h('span', { class: p === pct ? 'on' : '' },
      h('small', {}, p.toUpperCase()), num(m[p], f.vitalNumber(name, m[p]), { testid: `vital-${p}-${name}`, title: f.vital(name, m[p]) })))),
    h('div', { class: 'split', testid: `vital-split-${name}`, role: 'img', 'aria-label': `good ${f.share(m.good)}, needs improvement ${f.share(m.needs_improvement)}, poor ${f.share(m.poor)}` },
      shares.map(([k, v]) => v > 0 && h('span', { class: `seg ${k}`, style: `width:${(v * 100).toFixed(3)}%`, title: `${k.replace('_', ' ')}: ${f.share(v)}` }))),
    h('div', { class: 'split-legend' }, shares.map(([k, v]) => h('span', { class: k },
      h('i', { class: `dot ${k}` }), num(v, f.share(v), { testid: `vital-${k === 'needs_improvement' ? 'ni' : k}-${name}` })))),
    h('div', { class: 'muted small' }, num(m.count, f.count(m.count), { testid: `vital-count-${name}` }), ' page loads'));
}

function trendChart(v) {
  const series = v.series.filter((s) => METRICS.includes(s.name));
  if (!series.some((s) => s.points.some((p) => p.p75 !== null))) return empty('No web vitals over this range yet.');
  const el = h('div', { class: 'chart', testid: 'vitals-trend-chart' });
  requestAnimationFrame(() => el.isConnected && timeChart(el, {
    intervalMs: v.interval_ms,
    series: series.map((s) => ({
      name: s.name, color: VITAL_COLORS[s.name], axis: s.name === 'CLS' ? 1 : 0,
      data: s.points.map((p) => [p.t, p.p75]),
    })),
    axes: [{ name: 'ms', format: (x) => `${Math.round(x)}` }, { name: 'CLS', format: (x) => x.toFixed(2) }],
  }));
  return [el, h('p', { class: 'muted small' }, 'All devices (the API gives the trend overall, not by device). Hide a metric by clicking its name.')];
}

function groupTable(groups, kind, ctx) {
  if (!groups.length) return empty(kind === 'page' ? 'No page views in this range.' : 'No web vitals in this range.');
  const p75 = (g, name) => g.metrics.find((m) => m.name === name)?.p75 ?? null;
  return table([
    { label: kind === 'page' ? 'Page' : 'Browser', cell: (g) => kind === 'page' ? h('a', { href: ctx.link('/vitals', { page: g.key }), title: 'Filter by this page' }, g.key) : g.key },
    kind === 'page' && { label: 'Views', num: true, cell: (g) => num(g.page_views ?? null, f.count(g.page_views)) },
    { label: 'Score', num: true, cell: (g) => h('span', { class: `pill ${f.scoreRating(g.score.score)}` }, num(g.score.score, f.score(g.score.score), { testid: 'group-score' })) },
    ...METRICS.map((name) => ({
      label: name, num: true,
      cell: (g) => { const v = p75(g, name); return h('span', { class: `r-${f.rating(name, v)}` }, num(v, f.vital(name, v), { testid: `group-p75-${name}` })); },
    })),
  ].filter(Boolean), groups, { row: (g) => ({ testid: kind === 'page' ? 'vitals-page' : 'vitals-browser', 'data-key': g.key }) });
}

function allMetrics(group) {
  if (!group?.metrics.length) return empty('No reports.');
  return table([
    { label: 'Metric', cell: (m) => m.name },
    { label: 'Count', num: true, cell: (m) => num(m.count, f.count(m.count)) },
    ...PCTS.map((p) => ({ label: p.toUpperCase(), num: true, cell: (m) => num(m[p], f.vital(m.name, m[p])) })),
    { label: 'Good', num: true, cell: (m) => num(m.good, f.share(m.good)) },
    { label: 'Needs impr.', num: true, cell: (m) => num(m.needs_improvement, f.share(m.needs_improvement)) },
    { label: 'Poor', num: true, cell: (m) => num(m.poor, f.share(m.poor)) },
  ], group.metrics, { row: (m) => ({ testid: 'vitals-metric-row', 'data-name': m.name }) });
}

function attributionTables(samples) {
  const blocks = samples.map(([name, events]) => {
    const spec = ATTRIBUTION[name];
    const groups = new Map();
    for (const e of events) {
      const a = e.attribution || {};
      const key = spec.key(a);
      if (!key) continue;
      const g = groups.get(key) || { key, extra: spec.extra(a), values: [] };
      g.values.push(e.value);
      groups.set(key, g);
    }
    const rows = [...groups.values()].sort((a, b) => b.values.length - a.values.length).slice(0, 8);
    const median = (vs) => { const s = [...vs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
    return h('div', { class: 'attr', testid: `attribution-${name}` },
      h('h3', {}, spec.title),
      rows.length
        ? table([
          { label: name === 'INP' ? 'Target (type)' : 'Element', cell: (g) => [h('code', {}, g.key), g.extra && h('div', { class: 'muted small ellipsis', title: g.extra }, g.extra)] },
          { label: 'Reports', num: true, cell: (g) => num(g.values.length, f.count(g.values.length)) },
          { label: 'Median', num: true, cell: (g) => { const m = median(g.values); return h('span', { class: `r-${f.rating(name, m)}` }, f.vital(name, m)); } },
        ], rows, { row: (g) => ({ testid: 'attribution-row', 'data-target': g.key }) })
        : h('p', { class: 'muted' }, events.length ? `No ${name} attribution in the reports.` : `No ${name} reports.`));
  });
  return [h('p', { class: 'muted small' }, `From the latest ${SAMPLE} reports of each metric in the range (every report, not one per page load; the vitals API has no attribution of its own).`),
    h('div', { class: 'attr-grid' }, blocks)];
}
