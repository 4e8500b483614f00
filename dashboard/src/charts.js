// ECharts, tree-shaken: only the chart types and components used here are bundled.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { clock } from './format.js';

// Measured (gzip): line + grid alone 166 KB; + bar, tooltip, plain legend 186 KB. A pie would
// add 7 KB, the scrolling legend 2 KB, the SVG renderer 4 KB: left out.
echarts.use([BarChart, LineChart, GridComponent, LegendPlainComponent, TooltipComponent, CanvasRenderer]);

export const TYPE_COLORS = {
  page_view: '#4f6bed', error: '#e5484d', message: '#f5a524', resource_error: '#d6409f',
  http_error: '#b4235a', web_vital: '#12a594', click: '#8e4ec6', rage_click: '#f76b15',
  form_submit: '#0090ff', time_on_page: '#7c8da6', custom: '#46a758',
  navigation_timing: '#a18072', resource_timing: '#bdc4cc',
};
export const VITAL_COLORS = { LCP: '#4f6bed', INP: '#e5484d', CLS: '#12a594', FCP: '#f5a524', TTFB: '#8e4ec6' };

const mounted = new Map();

/** An ECharts instance on `el`, resized with its box; disposeCharts() ends them all. */
export function mount(el) {
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(el);
  mounted.set(chart, observer);
  return chart;
}

export function disposeCharts() {
  for (const [chart, observer] of mounted) {
    observer.disconnect();
    chart.dispose();
  }
  mounted.clear();
}

const axisTime = (intervalMs) => ({
  type: 'time',
  axisLabel: {
    hideOverlap: true,
    formatter: intervalMs >= 86400e3 ? '{MM}-{dd}'
      : { year: '{yyyy}', month: '{MM}-{dd}', day: '{MM}-{dd}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}', millisecond: '{HH}:{mm}:{ss}', none: '{HH}:{mm}' },
  },
  splitLine: { show: false },
});

/**
 * A chart over time. series: [{name, type: 'bar'|'line', data: [[t, v]], axis: 0|1,
 * stack, color}]; axes: [{name, format(v)}] (one or two y axes).
 */
export function timeChart(el, { series, axes = [{}], intervalMs = 60000, legend = true, selected } = {}) {
  const chart = mount(el);
  chart.setOption(timeOption({ series, axes, intervalMs, legend, selected, width: el.clientWidth }));
  return chart;
}

export function timeOption({ series, axes = [{}], intervalMs = 60000, legend = true, selected, width = 800 }) {
  // The plain legend wraps; leave room for as many rows as it will take (~7 px a letter).
  const legendWidth = series.reduce((sum, s) => sum + s.name.length * 7 + 38, 0);
  const legendRows = legend ? Math.ceil(legendWidth / Math.max(200, width - 40)) : 0;
  return {
    animation: false,
    color: series.map((s) => s.color).filter(Boolean).length === series.length ? series.map((s) => s.color) : undefined,
    grid: { left: 8, right: axes.length > 1 ? 8 : 16, top: legend ? 12 + legendRows * 24 + (axes.some((a) => a.name) ? 12 : 0) : 16, bottom: 8, containLabel: true },
    legend: legend ? { top: 0, selected, textStyle: { fontSize: 12 }, itemGap: 8 } : { show: false },
    tooltip: {
      trigger: 'axis',
      confine: true,
      axisPointer: { type: series.some((s) => s.type === 'bar') ? 'shadow' : 'line' },
      valueFormatter: undefined,
      formatter: (items) => {
        const list = Array.isArray(items) ? items : [items];
        if (!list.length) return '';
        const t = list[0].value[0];
        const head = intervalMs >= 86400e3 ? new Date(t).toISOString().slice(0, 10) : `${new Date(t).toLocaleDateString()} ${clock(t)}`;
        const rows = list.map((it) => {
          const s = series[it.seriesIndex];
          const fmt = axes[s.axis || 0]?.format || String;
          const v = it.value[1];
          return `${it.marker}${it.seriesName}: <b>${v === null || v === undefined ? '—' : fmt(v)}</b>`;
        });
        return [head, ...rows].join('<br>');
      },
    },
    xAxis: axisTime(intervalMs),
    yAxis: axes.map((a, i) => ({
      type: 'value',
      name: a.name,
      nameTextStyle: { align: i ? 'right' : 'left' },
      min: 0,
      minInterval: a.integer ? 1 : undefined,
      splitLine: { show: i === 0, lineStyle: { color: '#eef0f3' } },
      axisLabel: { formatter: a.format ? (v) => a.format(v) : undefined, hideOverlap: true },
    })),
    series: series.map((s) => ({
      name: s.name,
      type: s.type || 'line',
      data: s.data,
      yAxisIndex: s.axis || 0,
      stack: s.stack,
      color: s.color,
      // A value between two gaps draws no line: show the points then, or it is invisible.
      showSymbol: s.data.some((d, i) => d?.[1] != null && s.data[i - 1]?.[1] == null && s.data[i + 1]?.[1] == null),
      connectNulls: false,
      smooth: false,
      barMaxWidth: 24,
      emphasis: { focus: 'series' },
      lineStyle: s.dashed ? { type: 'dashed' } : undefined,
    })),
  };
}
