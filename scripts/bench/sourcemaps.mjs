// What source maps cost at ingest, printed as figures (not a test). The e2e test app is
// built for production by Vite (minified, maps on), as a user ships it; error events whose
// three frames point at the app's throws in that bundle are posted through the ingest API:
//   1. without maps for their release (the frames are looked up and left alone);
//   2. with the bundle and its map uploaded (every frame mapped; the same frames again and
//      again, as a bug that throws many times does, so mostly cache hits);
//   3. with maps and a different column on every event (every frame a cache miss: a map
//      lookup and a function-name search in the minified text).
//
//   node scripts/bench/sourcemaps.mjs [events per phase=20000] [concurrency=4]
// Needs a release build (`cargo build --release -p monitor-collector`) or MONITOR_COLLECTOR_BIN,
// and the e2e packages (`pnpm install`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../tests/e2e/lib/app.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 4);
const BATCH = 100;
const TOKEN = 'bench-token';
const RELEASE = 'e2e-app@1.0.0';
const bin = process.env.MONITOR_COLLECTOR_BIN ?? join(repo, 'target', 'release', 'monitor-collector');

const app = await buildApp({ production: true });
const assets = join(app.outDir, 'assets');
const bundleName = readdirSync(assets).find((f) => /^index-.*\.js$/.test(f));
const bundle = readFileSync(join(assets, bundleName), 'utf8');
/** 0-based line and column of each app throw in the minified bundle. */
const throws = ['early error before wasm ready', 'uncaught error after ready', 'rejected promise after ready'].map((m) => {
  const at = bundle.indexOf(`Error("${m}")`);
  if (at < 0) throw new Error(`${m} not in the bundle`);
  const before = bundle.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, col: at - (before.lastIndexOf('\n') + 1) - 4 /* the `new ` */ };
});
const longest = Math.max(...bundle.split('\n').map((l) => l.length));

const env = {
  ...process.env,
  RUST_LOG: 'warn',
  MONITOR_LISTEN: '127.0.0.1:0',
  MONITOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'monitor-bench-maps-')),
  MONITOR_API_TOKEN: TOKEN,
};
const collector = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  createInterface({ input: collector.stdout }).on('line', (line) => {
    const m = line.match(/listening on (http:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  collector.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
});

const hex32 = (n) => n.toString(16).padStart(32, '0');
let ids = 0;
function event(release, n, spread) {
  const frames = throws.map(({ line, col }, i) => ({
    filename: `https://shop.example/assets/${bundleName}`,
    function: `f${i}`,
    lineno: line + 1,
    colno: spread ? 1 + ((col + n * 7 + i * 131) % longest) : col + 1,
    in_app: true,
  }));
  return {
    event_id: hex32(++ids), type: 'error', timestamp: Date.now(), release, level: 'error',
    exception: { values: [{ type: 'Error', value: `bench ${n % 50}`, stacktrace: { frames } }] },
  };
}

async function phase(name, release, spread) {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const first = next;
      next += BATCH;
      const events = [];
      for (let n = first; n < Math.min(first + BATCH, total); n++) events.push(event(release, n, spread));
      const res = await fetch(`${url}/api/1/events?key=demo-public-key`, {
        method: 'POST', body: JSON.stringify({ sdk: { name: 'bench', version: '1' }, events }),
      });
      if (!res.ok) throw new Error(`ingest ${res.status}: ${await res.text()}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  console.log(`${name}: ${total} error events (3 frames each) in ${seconds.toFixed(1)} s, ${Math.round(total / seconds)} events/s`);
}

try {
  await phase('no maps for the release', 'web@none', false);
  execFileSync(bin, ['sourcemaps', 'upload', '--release', RELEASE, '--url-prefix', '~/assets',
    '--server', url, '--token', TOKEN, assets], { stdio: 'ignore' });
  await phase('maps, repeated frames ', RELEASE, false);
  await phase('maps, a new column each', RELEASE, true);
  const res = await fetch(`${url}/api/1/events?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const [last] = (await res.json()).events;
  const mapped = last.exception.values[0].stacktrace.frames.filter((f) => f.minified).length;
  console.log(`check: the last stored event has ${mapped} of 3 frames symbolicated (${last.exception.values[0].stacktrace.frames[1].filename})`);
} finally {
  collector.kill('SIGTERM');
}
