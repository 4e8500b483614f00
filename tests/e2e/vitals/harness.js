// Loaded by every case page in this folder: Google's web-vitals (attribution build) and our SDK
// side by side on the same page, plus a record of the raw performance entries.
//
// - window.__wv: every web-vitals report, as a plain object (name, value, rating, delta, id,
//   navigationType, attribution with the fields our SDK also sends).
// - window.__raw: the raw entries by type (buffered observers), for the extra metrics.
// - window.__hiddenAt: when the page was first hidden.
// - window.__pageshows: one item per pageshow event (persisted = back/forward cache restore).
// - window.__sdkRunning: what our init() resolved to (only when the URL has a `dsn`);
//   window.__sdkError: why the SDK could not be loaded. The SDK is imported dynamically so that
//   the web-vitals side works even when the SDK's build is missing or broken.
//
// Query parameters: dsn (our SDK is started only with one), reportAllChanges=1 (both sides).
import { onCLS, onFCP, onINP, onLCP, onTTFB } from '/web-vitals/web-vitals.attribution.js';

const params = new URLSearchParams(location.search);
const reportAllChanges = params.get('reportAllChanges') === '1';

// The attribution fields that both sides report (web-vitals' names).
const FIELDS = {
  FCP: ['timeToFirstByte', 'firstByteToFCP', 'loadState'],
  LCP: ['target', 'url', 'timeToFirstByte', 'resourceLoadDelay', 'resourceLoadDuration', 'elementRenderDelay'],
  CLS: ['largestShiftTarget', 'largestShiftTime', 'largestShiftValue', 'loadState'],
  INP: [
    'interactionTarget',
    'interactionType',
    'interactionTime',
    'nextPaintTime',
    'inputDelay',
    'processingDuration',
    'presentationDelay',
    'loadState',
  ],
  TTFB: ['waitingDuration', 'cacheDuration', 'dnsDuration', 'connectionDuration', 'requestDuration'],
};

window.__wv = [];
function record(metric) {
  const attribution = {};
  for (const field of FIELDS[metric.name]) {
    const value = metric.attribution?.[field];
    if (value !== undefined) attribution[field] = value;
  }
  window.__wv.push({
    name: metric.name,
    value: metric.value,
    rating: metric.rating,
    delta: metric.delta,
    id: metric.id,
    navigationType: metric.navigationType,
    attribution,
    at: performance.now(),
  });
}
const opts = { reportAllChanges };
onFCP(record, opts);
onLCP(record, opts);
onCLS(record, opts);
onINP(record, opts);
onTTFB(record, opts);

// Raw entries. JSON round trip: entries' DOM nodes become {} and everything else plain data.
window.__raw = {};
const RAW_TYPES = ['paint', 'longtask', 'resource', 'navigation', 'layout-shift', 'largest-contentful-paint', 'event', 'first-input'];
for (const type of RAW_TYPES) {
  const list = (window.__raw[type] = []);
  try {
    new PerformanceObserver((entries) => {
      for (const entry of entries.getEntries()) {
        const plain = JSON.parse(JSON.stringify(entry));
        if ('interactionId' in entry) plain.interactionId = entry.interactionId;
        list.push(plain);
      }
    }).observe({ type, buffered: true, ...(type === 'event' ? { durationThreshold: 16 } : {}) });
  } catch {
    // Entry type not supported: the list stays empty.
  }
}

// When the page was first hidden (resources that finished later were not there to be seen).
document.addEventListener('visibilitychange', (event) => {
  if (document.visibilityState === 'hidden' && window.__hiddenAt === undefined) window.__hiddenAt = event.timeStamp;
});

window.__pageshows = [];
addEventListener('pageshow', (event) => {
  window.__pageshows.push({ persisted: event.persisted, timeStamp: event.timeStamp });
});

const dsn = params.get('dsn');
if (dsn) {
  import('/sdk/index.js')
    .then(({ init }) => init({ dsn, flushInterval: 200, debug: true, webVitals: { reportAllChanges } }))
    .then((running) => {
      window.__sdkRunning = running;
    })
    .catch((error) => {
      window.__sdkError = String(error);
    });
}
