// The real-time layer's cost and speed, printed as figures (not a test):
//   consume: the same topic moved into ClickHouse twice, by two consumer groups, once with the
//            live aggregation off (no Redis) and once counting into Redis → events/s each,
//            Redis round trips per batch (from the consumer's /metrics);
//   reads:   each live endpoint (counters, windows, top, uniques), BENCH_RUNS times (500),
//            from Redis (the Kafka-mode server) and from memory (an embedded server fed the
//            same events) → p50 and p99 ms, measured by the client over keep-alive HTTP.
//
//   node scripts/bench/realtime.mjs [events=100000] [batch=500] [concurrency=8]
// Needs a release build (`cargo build --release -p monitor-collector`) and the services
// (`scripts/services.sh start all`). Fresh topic, groups, databases and key prefixes per
// run; the databases are dropped at the end. The local broker (tansu) is a debug build.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [total = 100_000, batchSize = 500, concurrency = 8] = process.argv.slice(2).map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const TOKEN = 'bench-token';
const CLICKHOUSE = 'http://127.0.0.1:8123';
const REDIS = 'redis://127.0.0.1:6379';
const bin = join(repo, 'target', 'release', 'monitor-collector');
const suffix = `${process.pid}_${Date.now()}`;
const topic = `bench-live-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-live-'));

const base = {
  ...process.env,
  RUST_LOG: 'warn',
  MONITOR_LISTEN: '127.0.0.1:0',
  MONITOR_API_TOKEN: TOKEN,
  MONITOR_KAFKA_BROKERS: process.env.BENCH_KAFKA ?? '127.0.0.1:9092',
  MONITOR_KAFKA_TOPIC: topic,
  MONITOR_KAFKA_DEAD_LETTER_TOPIC: `${topic}-dlq`,
  MONITOR_CLICKHOUSE_URL: CLICKHOUSE,
};

async function clickhouse(sql) {
  const res = await fetch(CLICKHOUSE, { method: 'POST', body: sql });
  if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${await res.text()}`);
  return res.text();
}

// Whatever happens, no collector outlives the bench.
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function start(args, env) {
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m || line.startsWith('monitor-collector consuming')) resolve({ child, url: m?.[1] });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ') || 'serve'} exited with ${code}`)));
  });
}

const hex32 = (n) => n.toString(16).padStart(32, '0');
const PAGES = Array.from({ length: 50 }, (_, i) => `/page/${i}`);
const VITALS = ['LCP', 'FCP', 'CLS', 'INP', 'TTFB'];

// Every event has a visitor and a session; a mix of page views, vitals, clicks, custom
// events and errors of 20 issues over 50 pages, all within the last minutes.
function batchBody(first) {
  const now = Date.now();
  const events = [];
  for (let i = first; i < first + batchSize; i++) {
    const visitor = `v${i % 5000}`;
    const common = {
      event_id: hex32(i + 1),
      timestamp: now - (i % 600) * 1000,
      release: 'bench@1',
      user: { visitor_id: visitor, session_id: `${visitor}-s${i % 3}` },
      page: { url: `https://bench.example${PAGES[i % PAGES.length]}?q=${i}` },
      browser: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' },
    };
    const kind = i % 10;
    if (kind < 3) events.push({ ...common, type: 'page_view' });
    else if (kind < 6) events.push({ ...common, type: 'web_vital', name: VITALS[i % 5], value: (i % 5 === 2 ? 0.05 : 800) + (i % 97) });
    else if (kind < 8) events.push({ ...common, type: 'click', target: `button#b${i % 7}` });
    else if (kind < 9) events.push({ ...common, type: 'custom', name: `signup_step_${i % 4}` });
    else events.push({ ...common, type: 'error', exception: { values: [{ type: 'TypeError', value: `bench ${i % 20}`, stacktrace: { frames: [{ filename: 'https://bench.example/app.js', function: `f${i % 20}`, lineno: 1, colno: 2, in_app: true }] } }] } });
  }
  return JSON.stringify({ sdk: { name: 'bench', version: '1' }, sent_at: now, events });
}

async function post(url, key) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const first = next;
        if (first >= total) return;
        next += batchSize;
        const body = batchBody(first);
        for (;;) {
          const res = await fetch(`${url}/api/1/events?key=${key}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
          await res.arrayBuffer();
          if (res.ok) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }),
  );
}

function metric(text, name) {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

// One consumer group's pass over the topic: rows/s from its first row to its last.
async function consumeRun(name, redis) {
  const database = `bench_live_${name}_${suffix}`;
  const metricsPort = 20000 + Math.floor(Math.random() * 20000);
  const config = join(dir, `${name}.toml`);
  writeFileSync(config, `[kafka]\nconsumer_group = "bench-live-${name}-${suffix}"\n[clickhouse]\nbatch_rows = ${batchSize}\n`);
  const env = {
    ...base,
    MONITOR_CLICKHOUSE_DATABASE: database,
    MONITOR_CONSUMER_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
    MONITOR_CONSUMER_INSTANCE_ID: `bench-${name}-${suffix}`,
    ...(redis ? { MONITOR_REDIS_URL: REDIS, MONITOR_REDIS_KEY_PREFIX: `bench-${suffix}` } : {}),
  };
  const { child } = await start(['consume', '--config', config], env);
  let rows = 0;
  let firstAt = null;
  const started = performance.now();
  while (rows < total) {
    await new Promise((r) => setTimeout(r, 50));
    rows = Number((await clickhouse(`SELECT count() FROM ${database}.events`).catch(() => '0')).trim());
    if (rows > 0 && firstAt === null) firstAt = performance.now();
    if (performance.now() - started > 600_000) throw new Error(`${name}: only ${rows} rows after 10 minutes`);
  }
  const seconds = (performance.now() - firstAt) / 1000;
  // The live update follows the insert: wait for the last batch's before reading the figures.
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    if (!redis || metric(text, 'monitor_realtime_events_total') >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const batches = metric(text, 'monitor_clickhouse_insert_seconds_count');
  const trips = metric(text, 'monitor_realtime_redis_round_trips_total');
  console.log(`consume ${name.padEnd(14)} ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} events/s; ${batches} batches, ${trips} Redis round trips (${(trips / Math.max(batches, 1)).toFixed(2)} per batch), ${metric(text, 'monitor_realtime_events_total')} events counted live`);
  child.kill('SIGTERM');
  await clickhouse(`DROP DATABASE IF EXISTS ${database}`);
  return rows / seconds;
}

const today = new Date().toISOString().slice(0, 10);
const READS = [
  ['counters', '/live/counters'],
  ['windows/events 60 min', '/live/windows/events?minutes=60'],
  ['windows/vitals 60 min', '/live/windows/vitals?minutes=60'],
  ['top pages_by_views', `/live/top/pages_by_views?day=${today}&limit=10`],
  ['top active_users', `/live/top/active_users?day=${today}&limit=10`],
  ['uniques visitors 24 h', '/live/uniques/visitors?per=hour&last=24'],
  ['uniques sessions 60 min', '/live/uniques/sessions?per=minute&last=60'],
];

async function reads(label, url) {
  const headers = { authorization: `Bearer ${TOKEN}` };
  for (const [name, path] of READS) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const res = await fetch(`${url}/api/1${path}`, { headers });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
    console.log(`read ${label.padEnd(6)} ${name.padEnd(24)} p50 ${at(0.5)} ms  p99 ${at(0.99)} ms`);
  }
}

// Kafka mode: the server puts the events on the topic; both groups read them.
const serverEnv = { ...base, MONITOR_DATA_DIR: join(dir, 'kafka'), MONITOR_REDIS_URL: REDIS, MONITOR_REDIS_KEY_PREFIX: `bench-${suffix}` };
const { child: server, url } = await start([], serverEnv);
const loadStarted = performance.now();
await post(url, 'demo-public-key');
console.log(`load: ${total} events onto ${topic} in ${((performance.now() - loadStarted) / 1000).toFixed(2)} s`);
const off = await consumeRun('aggregation_off', false);
const on = await consumeRun('aggregation_on', true);
console.log(`aggregation costs ${(100 * (1 - on / off)).toFixed(1)} % of consumer throughput`);
await reads('redis', url);
server.kill('SIGTERM');

// Embedded mode: the same events counted in memory by the ingest path.
const embedded = { ...process.env, RUST_LOG: 'warn', MONITOR_LISTEN: '127.0.0.1:0', MONITOR_API_TOKEN: TOKEN, MONITOR_DATA_DIR: join(dir, 'embedded') };
const { child: local, url: localUrl } = await start([], embedded);
await post(localUrl, 'demo-public-key');
await reads('memory', localUrl);
local.kill('SIGTERM');
