// Latency of the query API on a large store, printed as figures (not a test):
//   load:   SDK-shaped events of many sessions spread over the last 24 h, posted through the
//           ingest API (events/s);
//   query:  each endpoint of the query API over those 24 h, BENCH_RUNS times (30; p50 and p99 ms).
//
//   node scripts/bench/query.mjs [events=1000000] [store=sqlite|clickhouse] [concurrency=8]
// Needs a release build (`cargo build --release -p monitor-collector`); `clickhouse` also the
// services (`scripts/services.sh start all`; BENCH_KAFKA=host:port picks another broker), a
// fresh topic and database of its own (dropped at the end). Every 100 events are one session: 10 page views with time on page, 5 web
// vitals, clicks, a rage click, a form submit, and errors from 20 issues.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const total = Number(args[0] ?? 1_000_000);
const store = args[1] ?? 'sqlite';
const concurrency = Number(args[2] ?? 8);
const BATCH = 500;
const TOKEN = 'bench-token';
const CLICKHOUSE = 'http://127.0.0.1:8123';
const bin = join(repo, 'target', 'release', 'monitor-collector');
const suffix = `${process.pid}_${Date.now()}`;
const database = `bench_query_${suffix}`;
const env = {
  ...process.env,
  RUST_LOG: 'warn',
  MONITOR_LISTEN: '127.0.0.1:0',
  MONITOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'monitor-bench-query-')),
  MONITOR_API_TOKEN: TOKEN,
  ...(store === 'clickhouse'
    ? {
        MONITOR_KAFKA_BROKERS: process.env.BENCH_KAFKA ?? '127.0.0.1:9092',
        MONITOR_KAFKA_TOPIC: `bench-query-${suffix}`,
        MONITOR_KAFKA_DEAD_LETTER_TOPIC: `bench-query-dlq-${suffix}`,
        MONITOR_CLICKHOUSE_URL: CLICKHOUSE,
        MONITOR_CLICKHOUSE_DATABASE: database,
        MONITOR_CONSUMER_INSTANCE_ID: `bench-${suffix}`,
      }
    : {}),
};

function start(role) {
  const child = spawn(bin, role ? [role] : [], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      resolve({ child, url: m?.[1] });
    });
    child.once('exit', (code) => reject(new Error(`${role ?? 'collector'} exited with ${code}`)));
  });
}

const hex32 = (n) => n.toString(16).padStart(32, '0');
const PAGES = ['/', '/pricing', '/checkout', '/docs/start', '/blog/a', '/blog/b', '/account', '/cart'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
];
const VITALS = [['LCP', 2500], ['INP', 200], ['CLS', 0.1], ['FCP', 1800], ['TTFB', 800]];
const now = Date.now();

/** Event `n`: session `n / 100` started at a time spread over the last 24 h. */
function event(n) {
  const s = Math.floor(n / 100);
  const k = n % 100;
  const start = now - 86_400_000 + ((s * 7919) % 86_000) * 1000;
  const page = PAGES[(s + Math.floor(k / 10)) % PAGES.length];
  const base = {
    event_id: hex32(n + 1),
    timestamp: start + k * 1000,
    release: `web@1.${s % 5}.0`,
    environment: 'production',
    user: { visitor_id: `v${s % 5000}`, session_id: `s${s}`, id: `u${s % 3000}` },
    page: { url: `https://bench.example${page}`, referrer: k === 0 ? 'https://www.google.com/' : '' },
    browser: { user_agent: AGENTS[s % AGENTS.length], viewport: { w: 1280, h: 720 } },
  };
  const slot = k % 10;
  if (slot === 0) return { ...base, type: 'page_view' };
  if (slot === 1) return { ...base, type: 'time_on_page', duration: 1000 + (n % 9000) };
  if (slot === 2 && k < 50) {
    const [name, good] = VITALS[Math.floor(k / 10)];
    return { ...base, type: 'web_vital', name, value: good * (0.5 + (n % 100) / 50), id: `v-${s}-${name}` };
  }
  if (slot === 3) return { ...base, type: 'click', target: `button#b${n % 30}` };
  if (slot === 4 && k === 4) return { ...base, type: 'rage_click', target: 'button#buy', count: 5 };
  if (slot === 5 && k === 25) return { ...base, type: 'form_submit', target: 'form#checkout' };
  if (slot === 6) {
    const issue = n % 20;
    return {
      ...base, type: 'error', level: 'error',
      exception: { values: [{ type: 'TypeError', value: `broken ${issue}`, stacktrace: { frames: [
        { filename: 'https://bench.example/assets/app-Ab12Cd34.js', function: `handler${issue}`, lineno: 10, colno: 5, in_app: true },
      ] } }] },
    };
  }
  return { ...base, type: 'custom', name: 'bench', data: { n } };
}

async function get(url, path) {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const consumer = store === 'clickhouse' ? await start('consume') : null;
const { child: collector, url } = await start();
let next = 0;
const loadStarted = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const first = next;
      next += BATCH;
      const events = [];
      for (let n = first; n < Math.min(first + BATCH, total); n++) events.push(event(n));
      const res = await fetch(`${url}/api/1/events?key=demo-public-key`, {
        method: 'POST', body: JSON.stringify({ sdk: { name: 'bench', version: '1' }, events }),
      });
      if (!res.ok) throw new Error(`ingest ${res.status}: ${await res.text()}`);
    }
  }),
);
const loadSeconds = (performance.now() - loadStarted) / 1000;
console.log(`load: ${total} events in ${loadSeconds.toFixed(1)} s (${Math.round(total / loadSeconds)} events/s), ${store}`);

const range = `from=${now - 86_400_000}&to=${now + 60_000}`;
if (store === 'clickhouse') {
  // The consumer lands the batches some time after ingest answered.
  for (;;) {
    const overview = await get(url, `/api/1/overview?${range}&interval=1h`);
    if (overview.totals.events.value >= total) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  console.log(`consumed: all in ClickHouse after ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
}
const issues = await get(url, `/api/1/issues?${range}`);
const fingerprint = issues.issues[0].fingerprint;
const queries = [
  ['events (newest 100)', `/api/1/events?${range}`],
  ['events, text search', `/api/1/events?${range}&q=broken%207&limit=50`],
  ['overview, 1h buckets', `/api/1/overview?${range}&interval=1h`],
  ['overview, page filter', `/api/1/overview?${range}&interval=1h&page=/checkout`],
  ['vitals', `/api/1/vitals?${range}&interval=1h`],
  ['behaviour', `/api/1/behaviour?${range}`],
  ['issues', `/api/1/issues?${range}`],
  ['issue detail', `/api/1/issues/${fingerprint}?${range}`],
  ['issue events', `/api/1/issues/${fingerprint}/events?${range}&limit=50`],
];
// Every endpoint once per round, RUNS rounds (interleaved, so that a slow moment of the
// machine spreads over all of them rather than one); p99 by nearest rank, which for fewer
// than 100 runs is the slowest run.
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const times = queries.map(() => []);
for (let run = 0; run < RUNS; run++) {
  for (const [i, [, path]] of queries.entries()) {
    const t = performance.now();
    await get(url, path);
    times[i].push(performance.now() - t);
  }
}
const rank = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(`query (${RUNS} runs each): p50 ms, p99 ms`);
for (const [i, [name]] of queries.entries()) {
  const sorted = times[i].sort((a, b) => a - b);
  console.log(`  ${name.padEnd(24)} ${rank(sorted, 50).toFixed(0).padStart(7)} ${rank(sorted, 99).toFixed(0).padStart(7)}`);
}
collector.kill('SIGTERM');
consumer?.child.kill('SIGTERM');
if (store === 'clickhouse') {
  await new Promise((r) => setTimeout(r, 1000));
  await fetch(CLICKHOUSE, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
}
