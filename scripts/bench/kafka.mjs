// Throughput of the production path, printed as figures (not a test):
//   ingest: SDK-shaped batches posted to the collector in Kafka mode (acks=all) → events/s
//   consume: the consume role moving them into ClickHouse → rows/s
//
//   node scripts/bench/kafka.mjs [events=100000] [batch=500] [concurrency=8]
// Needs a release build (`cargo build --release -p monitor-collector`) and the services
// (`scripts/services.sh start all`). Uses a fresh topic and database each run and drops the
// database at the end. The local broker (tansu) is a debug build: the figures are a floor.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [total = 100_000, batchSize = 500, concurrency = 8] = process.argv.slice(2).map(Number);
const CLICKHOUSE = 'http://127.0.0.1:8123';
const bin = join(repo, 'target', 'release', 'monitor-collector');
const suffix = `${process.pid}_${Date.now()}`;
const database = `bench_${suffix}`;
const env = {
  ...process.env,
  RUST_LOG: 'warn',
  MONITOR_LISTEN: '127.0.0.1:0',
  MONITOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'monitor-bench-')),
  MONITOR_KAFKA_BROKERS: '127.0.0.1:9092',
  MONITOR_KAFKA_TOPIC: `bench-events-${suffix}`,
  MONITOR_KAFKA_DEAD_LETTER_TOPIC: `bench-dead-letters-${suffix}`,
  MONITOR_CLICKHOUSE_URL: CLICKHOUSE,
  MONITOR_CLICKHOUSE_DATABASE: database,
};

async function clickhouse(sql) {
  const res = await fetch(CLICKHOUSE, { method: 'POST', body: sql });
  if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${await res.text()}`);
  return res.text();
}

function startCollector() {
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
}

function hex32(n) {
  return n.toString(16).padStart(32, '0');
}

function batchBody(first) {
  const now = Date.now();
  const events = [];
  for (let i = first; i < first + batchSize; i++) {
    events.push({
      event_id: hex32(i + 1),
      type: i % 3 === 0 ? 'error' : 'custom',
      timestamp: now,
      release: 'bench@1',
      user: { session_id: 'b'.repeat(32) },
      page: { url: 'https://bench.example/page' },
      ...(i % 3 === 0
        ? { exception: { values: [{ type: 'Error', value: `bench ${i}`, stacktrace: { frames: [{ filename: 'https://bench.example/app.js', function: 'f', lineno: 1, colno: 2, in_app: true }] } }] } }
        : { name: 'bench', data: { i } }),
    });
  }
  return JSON.stringify({ sdk: { name: 'bench', version: '1' }, sent_at: now, events });
}

const { child: collector, url } = await startCollector();
const ingestUrl = `${url}/api/1/events?key=demo-public-key`;
let next = 0;
let retries = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (;;) {
      const first = next;
      if (first >= total) return;
      next += batchSize;
      const body = batchBody(first);
      for (;;) {
        const res = await fetch(ingestUrl, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
        await res.arrayBuffer();
        if (res.ok) break;
        retries++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }),
);
const ingestSeconds = (performance.now() - started) / 1000;
console.log(`ingest: ${total} events in ${ingestSeconds.toFixed(2)} s = ${Math.round(total / ingestSeconds)} events/s (batches of ${batchSize}, ${concurrency} concurrent, ${retries} retried)`);

const consumer = spawn(bin, ['consume'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const consumeStarted = performance.now();
let rows = 0;
while (rows < total) {
  await new Promise((r) => setTimeout(r, 200));
  rows = Number((await clickhouse(`SELECT count() FROM ${database}.events`).catch(() => '0')).trim());
  if (performance.now() - consumeStarted > 600_000) throw new Error(`only ${rows} rows after 10 minutes`);
}
const consumeSeconds = (performance.now() - consumeStarted) / 1000;
const distinct = (await clickhouse(`SELECT uniqExact(event_id) FROM ${database}.events FINAL`)).trim();
console.log(`consume: ${rows} rows in ${consumeSeconds.toFixed(2)} s = ${Math.round(rows / consumeSeconds)} rows/s (includes consumer start-up and migrations; ${distinct} distinct)`);

consumer.kill('SIGTERM');
collector.kill('SIGTERM');
await clickhouse(`DROP DATABASE IF EXISTS ${database}`);
