// Web vitals: the performance score, each metric's percentile and rating split with its
// thresholds; the P75 trend; pages ranked by traffic; attribution. The device switch is
// the shared `device` filter, so every part of the view (and of the others) follows it.
import { timeChart, VITAL_COLORS } from '../charts.js';
import { DEVICES, hasFilters } from '../filters.js';
import * as f from '../format.js';
import { empty, errorBox, fill, h, loading, num, panel, table } from '../ui.js';

const METRICS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];
const PCTS = ['p50', 'p75', 'p90', 'p95', 'p99'];
const UNIT = (name) => (name === 'CLS' ? '' : ' ms');

/** The attribution the API groups each metric's page loads by (docs/query.md). */
const ATTRIBUTION = {
  LCP: { title: 'LCP elements', label: 'Element' },
  INP: { title: 'INP interaction targets', label: 'Target' },
  CLS: { title: 'CLS largest shift targets', label: 'Element' },
};

export function render(root, ctx) {
  const state = {
    pct: PCTS.includes(ctx.route.query.get('pct')) ? ctx.route.query.get('pct') : 'p75',
    device: ctx.filters.device || 'all',
    // With a filter set, no reports says nothing about whether the SDK is installed.
    filtered: hasFilters(ctx.filters),
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
    controls.replaceChildren(...toolbar(state, ctx, (patch) => {
      Object.assign(state, patch);
      ctx.replaceQuery({ pct: state.pct === 'p75' ? '' : state.pct });
      draw();
    }));
    if (!data) return;
    top.replaceChildren(...summary(data, state, data));
    all.body.replaceChildren(allMetrics(data));
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
  fill(attribution.body, answer, attributionTables, ctx.signal);
}

function toolbar(state, ctx, set) {
  return [
    h('label', { class: 'field inline' }, h('span', {}, 'Percentile'),
      Object.assign(h('select', { testid: 'vitals-percentile', onchange: (e) => set({ pct: e.target.value }) },
        PCTS.map((p) => h('option', { value: p }, p.toUpperCase()))), { value: state.pct })),
    h('div', { class: 'presets', role: 'group', 'aria-label': 'Device', testid: 'vitals-device' },
      ['all', ...DEVICES].map((d) => h('a', {
        class: `chip${state.device === d ? ' on' : ''}`, testid: `vitals-device-${d}`,
        'aria-current': state.device === d ? 'true' : undefined,
        href: ctx.link('/vitals', { device: d === 'all' ? '' : d, pct: state.pct === 'p75' ? '' : state.pct }),
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
    none ? empty(`No web vitals in this range${state.device !== 'all' ? ` from ${state.device} devices` : ''}. The SDK reports LCP, INP, CLS, FCP and TTFB by itself once installed.`, { snippet: data.metrics.length === 0 && !state.filtered }) : null,
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
  return [el, h('p', { class: 'muted small' }, 'Hide a metric by clicking its name.')];
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

function attributionTables(v) {
  const blocks = Object.entries(ATTRIBUTION).map(([name, spec]) => {
    const rows = v.attribution.filter((a) => a.name === name);
    const reported = v.metrics.find((m) => m.name === name)?.count || 0;
    return h('div', { class: 'attr', testid: `attribution-${name}` },
      h('h3', {}, spec.title),
      rows.length
        ? table([
          { label: spec.label, cell: (a) => h('code', {}, a.target) },
          { label: 'Page loads', num: true, cell: (a) => num(a.count, f.count(a.count), { testid: 'attribution-count' }) },
          { label: 'P75', num: true, cell: (a) => h('span', { class: `r-${f.rating(name, a.p75)}` }, num(a.p75, f.vital(name, a.p75), { testid: 'attribution-p75' })) },
          { label: 'Poor', num: true, cell: (a) => num(a.poor, f.share(a.poor)) },
        ], rows, { row: (a) => ({ testid: 'attribution-row', 'data-target': a.target }) })
        : h('p', { class: 'muted' }, reported ? `No ${name} attribution in the reports.` : `No ${name} reports.`));
  });
  return [h('p', { class: 'muted small' }, 'What each page load\'s last report blames, the most frequent first, with the P75 of those page loads.'),
    h('div', { class: 'attr-grid' }, blocks)];
}
