// Starts the real collector binary on a free port with a fresh data directory.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { repoDir } from './paths.mjs';

export const collectorBin = () =>
  process.env.MONITOR_COLLECTOR_BIN || join(repoDir, 'target', 'debug', 'monitor-collector');

/** Starts `monitor-collector consume` (Kafka → ClickHouse) with `env`; returns a stopper. */
export function startConsumer(env) {
  const child = spawn(collectorBin(), ['consume'], {
    cwd: repoDir,
    env: { ...process.env, RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The query API's token of the collectors started here (reads need one). */
export const API_TOKEN = 'e2e-api-token';

export async function startCollector(env = {}) {
  const bin = collectorBin();
  const dataDir = mkdtempSync(join(tmpdir(), 'monitor-e2e-data-'));
  const child = spawn(bin, [], {
    cwd: repoDir,
    env: {
      ...process.env,
      MONITOR_LISTEN: '127.0.0.1:0',
      MONITOR_DATA_DIR: dataDir,
      MONITOR_API_TOKEN: API_TOKEN,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const started = new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`collector exited early with ${code}`)));
  });
  const url = await Promise.race([
    started,
    new Promise((_, reject) => setTimeout(() => reject(new Error('collector did not start in 20 s')), 20000)),
  ]);
  return {
    url,
    dataDir,
    async events(projectId = 1) {
      const res = await fetch(`${url}/api/${projectId}/events?limit=1000`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      if (!res.ok) throw new Error(`GET events: ${res.status} ${await res.text()}`);
      return (await res.json()).events;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
