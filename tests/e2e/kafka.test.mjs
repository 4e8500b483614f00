// The production path end to end: the packed SDK in a Vite app in Chromium → the collector in
// Kafka mode → the Kafka-protocol broker → the consume role → ClickHouse. The same page as
// errors.test.mjs; here the events are read back from ClickHouse, with FINAL, as the query
// API will read them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp } from './lib/app.mjs';
import { launchChromium, waitFor } from './lib/browser.mjs';
import { startCollector, startConsumer } from './lib/collector.mjs';
import { repoDir } from './lib/paths.mjs';
import { serveDir } from './lib/static-server.mjs';

const CLICKHOUSE = 'http://127.0.0.1:8123';

async function clickhouse(sql) {
  const res = await fetch(CLICKHOUSE, { method: 'POST', body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${res.status} ${text}`);
  return text;
}

let app;
let site;
let browser;

before(async () => {
  execFileSync('bash', [join(repoDir, 'scripts', 'services.sh'), 'start', 'all'], { stdio: 'inherit' });
  app = await buildApp();
  site = await serveDir(app.outDir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

test('browser events reach ClickHouse through Kafka, once each', async () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const database = `e2e_${suffix}`;
  const env = {
    MONITOR_KAFKA_BROKERS: '127.0.0.1:9092',
    MONITOR_KAFKA_TOPIC: `e2e-events-${suffix}`,
    MONITOR_KAFKA_DEAD_LETTER_TOPIC: `e2e-dead-letters-${suffix}`,
    MONITOR_CLICKHOUSE_URL: CLICKHOUSE,
    MONITOR_CLICKHOUSE_DATABASE: database,
  };
  const collector = await startCollector(env);
  const consumer = startConsumer(env);
  try {
    const page = await browser.newPage();
    const dsn = `http://demo-public-key@${new URL(collector.url).host}/1`;
    const url = `${site.url}/?${new URLSearchParams({ dsn })}`;
    await page.goto(url);
    await waitFor(() => page.evaluate(() => window.__done === true), { what: 'the app to finish' });

    const rows = await waitFor(
      async () => {
        try {
          const out = await clickhouse(
            `SELECT type, message, page_url, release, session_id, payload FROM ${database}.events FINAL WHERE type IN ('error', 'custom') ORDER BY message FORMAT JSON`,
          );
          const data = JSON.parse(out).data;
          return data.length >= 5 ? data : null;
        } catch {
          return null; // the consumer has not created the database yet
        }
      },
      { what: '5 rows in ClickHouse', timeout: 30000 },
    );
    await new Promise((r) => setTimeout(r, 500));
    const count = await clickhouse(`SELECT count() FROM ${database}.events FINAL WHERE type IN ('error', 'custom')`);
    assert.equal(Number(count.trim()), 5, 'each event once');

    const messages = rows.map((r) => r.message).sort();
    assert.deepEqual(messages, [
      'early error before wasm ready',
      'inline script error before the bundle',
      'rejected promise after ready',
      'signup',
      'uncaught error after ready',
    ]);
    for (const row of rows) {
      assert.equal(row.page_url, url);
      assert.equal(row.release, 'e2e-app@1.0.0');
      assert.match(row.session_id, /^[0-9a-f]{32}$/);
      const event = JSON.parse(row.payload);
      assert.equal(event.type, row.type);
      if (row.type === 'error') {
        const frames = event.exception.values[0].stacktrace.frames;
        assert.ok(frames.at(-1).lineno > 0 && frames.at(-1).colno > 0, 'frames survive the trip');
      } else {
        assert.equal(row.type, 'custom');
        assert.deepEqual(event.data, { plan: 'pro', seats: 3 });
      }
    }

    // The page's web vitals take the same road and feed the per-minute quantiles.
    const vitals = await waitFor(
      async () => {
        const out = await clickhouse(
          `SELECT name, countMerge(count) AS n, quantilesMerge(0.5, 0.75, 0.95, 0.99)(quantiles) AS q FROM ${database}.web_vitals_per_minute GROUP BY name FORMAT JSON`,
        );
        const data = JSON.parse(out).data;
        return data.some((r) => r.name === 'FCP') ? data : null;
      },
      { what: 'FCP in web_vitals_per_minute', timeout: 30000 },
    );
    const fcp = vitals.find((r) => r.name === 'FCP');
    assert.equal(Number(fcp.n), 1);
    assert.ok(Number(fcp.q[0]) > 0, `FCP median ${fcp.q}`);
    await page.close();
  } finally {
    await consumer.stop();
    await collector.stop();
    await clickhouse(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
  }
});
