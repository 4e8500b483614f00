// One formatter per kind of number, used by every view, so a number reads the same
// everywhere. The raw value the API gave always goes in the element's data-value
// (JSON: a number, or null), so a test compares that, or applies the same rule:
//   count     integers in full, no grouping, no k/M:          1234
//   share     0..1 as a percentage, 1 decimal:                0.4286 → "42.9 %"
//   change    (value - previous) / previous, signed, 1 dec.:  0.5 → "+50.0 %"; null → "—"
//   perMille  error_rate (errors per 1,000 page views), 2 decimals
//   ms        under 1 s: whole ms; under 1 min: s with 1 decimal; then "3m 05s", "2h 10m"
//   vital     CLS 3 decimals; the others whole ms ("2134 ms"; "2134" where the unit is a header)
//   score     performance score 0..100, 1 decimal
//   time      local "YYYY-MM-DD HH:MM:SS"

export const DASH = '—';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

export const raw = (v) => JSON.stringify(v === undefined ? null : v);

export const count = (v) => (isNum(v) ? String(Math.round(v)) : DASH);

export const share = (v) => (isNum(v) ? `${(v * 100).toFixed(1)} %` : DASH);

export function change(v) {
  if (!isNum(v)) return DASH;
  const pct = (v * 100).toFixed(1);
  return `${v > 0 ? '+' : ''}${pct === '-0.0' ? '0.0' : pct} %`;
}

export const perMille = (v) => (isNum(v) ? v.toFixed(2) : DASH);

export function ms(v) {
  if (!isNum(v)) return DASH;
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60000) return `${(v / 1000).toFixed(1)} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function vital(name, v) {
  if (!isNum(v)) return DASH;
  return name === 'CLS' ? v.toFixed(3) : `${Math.round(v)} ms`;
}

/** A series bucket: "1 min", "15 min", "3 h", "1 d". */
export function interval(v) {
  if (!isNum(v)) return DASH;
  if (v % 86400e3 === 0) return `${v / 86400e3} d`;
  if (v % 3600e3 === 0) return `${v / 3600e3} h`;
  if (v % 60e3 === 0) return `${v / 60e3} min`;
  return ms(v);
}

/** A vital's number without its unit (same rounding as vital()), for compact rows. */
export function vitalNumber(name, v) {
  if (!isNum(v)) return DASH;
  return name === 'CLS' ? v.toFixed(3) : String(Math.round(v));
}

export const score = (v) => (isNum(v) ? v.toFixed(1) : DASH);

const pad = (n) => String(n).padStart(2, '0');

export function time(v) {
  if (!isNum(v)) return DASH;
  const d = new Date(v);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function clock(v) {
  const d = new Date(v);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ago(v, now = Date.now()) {
  if (!isNum(v)) return DASH;
  const s = Math.max(0, Math.round((now - v) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** The path of a URL (what the API's `page` filter and lists use); the input when not a URL. */
export function path(url) {
  try {
    return new URL(url).pathname;
  } catch {
    return url || '';
  }
}

/** Thresholds of the published ratings: [good up to, poor from]. */
export const THRESHOLDS = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
};

export function rating(name, v) {
  const t = THRESHOLDS[name];
  if (!t || !isNum(v)) return 'none';
  return v <= t[0] ? 'good' : v <= t[1] ? 'needs-improvement' : 'poor';
}

export const scoreRating = (v) => (!isNum(v) ? 'none' : v >= 90 ? 'good' : v >= 50 ? 'needs-improvement' : 'poor');
