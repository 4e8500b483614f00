// Main-thread cost of measuring web vitals, printed as figures (not a test): the same busy page
// (scripts/bench/vitals/page.html: resource fetches, layout shifts, slow clicks, then hidden)
// runs with our SDK and with Google's web-vitals (attribution build) in real Chromium, under
// the V8 sampling profiler (100 µs). A library's cost is the time of the samples with one of
// its frames on the stack (its JS, its wasm, and the browser functions it calls), so the
// page's own work does not blur it.
//
//   node scripts/bench/vitals.mjs [runs=5] [resources=300] [shifts=100] [clicks=20]
// Needs the SDK built (`pnpm --filter @org/monitor-sdk build`), the e2e dependencies
// (`pnpm install`) and a debug collector (`cargo build -p monitor-collector`), which the SDK
// sends to. Medians over the runs; each run is a fresh page in a fresh window.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../../tests/e2e/lib/collector.mjs';
import { hide, launchHideableChromium } from '../../tests/e2e/lib/vitals.mjs';
import { waitFor } from '../../tests/e2e/lib/browser.mjs';
import { serveDir } from '../../tests/e2e/lib/static-server.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [runs = 5, resources = 300, shifts = 100, clicks = 20] = process.argv.slice(2).map(Number);
const LIBS = ['sdk', 'wv'];
// Script URLs that belong to each library (the SDK's wasm frames carry a wasm:// URL).
const OWNED = {
  sdk: (url) => url.includes('/sdk/') || url.startsWith('wasm://'),
  wv: (url) => url.includes('/web-vitals/'),
};

const site = await serveDir(join(repo, 'scripts', 'bench', 'vitals'), {
  mounts: {
    '/sdk/': join(repo, 'npm', 'monitor-sdk', 'dist'),
    '/web-vitals/': join(repo, 'tests', 'e2e', 'node_modules', 'web-vitals', 'dist'),
  },
});
const collector = await startCollector({ MONITOR_PROJECTS: '1:bench-key' });
const chrome = await launchHideableChromium();
const dsn = `http://bench-key@${new URL(collector.url).host}/1`;

/** Milliseconds of profile samples with a frame of `owned` on the stack, and the largest
 * such stretch without a break (a proxy for the longest single call). */
function ownedTime(profile, owned) {
  const parent = new Map();
  const byId = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const mine = new Map();
  const isMine = (id) => {
    if (mine.has(id)) return mine.get(id);
    const node = byId.get(id);
    const result = owned(node.callFrame.url) || (parent.has(id) && isMine(parent.get(id)));
    mine.set(id, result);
    return result;
  };
  let total = 0;
  let run = 0;
  let longest = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (isMine(id)) {
      total += delta;
      run += delta;
      longest = Math.max(longest, run);
    } else {
      run = 0;
    }
  });
  return { total, longest };
}

/** One run of `lib` under the profiler: its main-thread time. */
async function run(lib) {
  const page = await chrome.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.goto(`${site.url}/page.html?${new URLSearchParams({ lib, dsn, resources, shifts })}`);
  await waitFor(() => page.evaluate(() => window.__done === true), { timeout: 60000, what: 'the workload' });
  for (let i = 0; i < clicks; i++) await page.click('#slow');
  await hide(page);
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  await page.close();
  return ownedTime(profile, OWNED[lib]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = Object.fromEntries(LIBS.map((lib) => [lib, []]));
for (let i = 0; i < runs; i++) {
  for (const lib of LIBS) samples[lib].push(await run(lib));
}
console.log(
  `workload: ${resources} fetches, ${shifts} layout shifts, ${clicks} clicks on a 60 ms handler, then hidden; median of ${runs} runs`,
);
for (const lib of LIBS) {
  const label = { sdk: 'our SDK (errors + web vitals)', wv: 'web-vitals 6.2.3 (attribution)' }[lib];
  const total = median(samples[lib].map((s) => s.total));
  const longest = median(samples[lib].map((s) => s.longest));
  console.log(`${label.padEnd(32)} main thread ${total.toFixed(1)} ms in all, longest stretch ${longest.toFixed(1)} ms`);
}
await chrome.close();
await collector.stop();
await site.close();
