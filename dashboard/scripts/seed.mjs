// Sends demo traffic to a collector through the ingest API, so the dashboard has
// something to show: sessions over the last 24 hours with page views, time on page,
// clicks, rage clicks, forms, web vitals with attribution, errors with stack traces and
// breadcrumbs; then, with --live N, a trickle of events for N seconds.
//
//   node scripts/seed.mjs [--url http://127.0.0.1:8787] [--key demo-public-key]
//     [--project 1] [--sessions 150] [--hours 24] [--live 0] [--seed 1] [--if-empty]
//
// --if-empty sends nothing when the project has events already (asked through the query
// API, with $MONITOR_API_TOKEN if set), so scripts/demo.sh seeds a data directory once.
import { randomBytes } from 'node:crypto';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') ? '' : all[i + 1]]] : acc), []));
const URL_BASE = args.url || 'http://127.0.0.1:8787';
const KEY = args.key || 'demo-public-key';
const PROJECT = Number(args.project || 1);
const SESSIONS = Number(args.sessions || 150);
const HOURS = Number(args.hours || 24);
const LIVE = Number(args.live || 0);

let state = Number(args.seed || 1) >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(rand() * list.length)];
const weighted = (pairs) => {
  let r = rand() * pairs.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of pairs) if ((r -= w) < 0) return v;
  return pairs[0][0];
};
const logNormal = (median, spread) => median * Math.exp(spread * Math.sqrt(-2 * Math.log(rand() || 1e-9)) * Math.cos(2 * Math.PI * rand()));
const id = () => randomBytes(16).toString('hex');

const AGENTS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', { w: 1536, h: 864 }, 5],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', { w: 1440, h: 900 }, 2],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', { w: 390, h: 844 }, 3],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', { w: 412, h: 915 }, 2],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', { w: 1920, h: 1080 }, 1],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', { w: 1280, h: 720 }, 1],
  ['Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', { w: 820, h: 1180 }, 1],
  ['Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', { w: 360, h: 780 }, 1],
];
const PAGES = [['/', 6], ['/pricing', 3], ['/products', 4], ['/products/42', 3], ['/cart', 2], ['/checkout', 1.5], ['/blog/launch', 1], ['/docs', 1]];
const REFERRERS = [['', 5], ['https://www.google.com/', 4], ['https://news.ycombinator.com/', 1], ['https://twitter.com/', 1], ['https://duckduckgo.com/', 1]];
const CLICKS = [['#app>header>nav>a.pricing', 'Pricing'], ['#app>main>button.buy', 'Buy now'], ['#app>main>a.product-card', 'Product'], ['#app>header>button.menu', 'Menu'], ['#app>main>form#search>button', 'Search']];
const ORIGIN = 'https://shop.example';

const BUGS = [
  {
    type: 'TypeError', value: "Cannot read properties of undefined (reading 'price')", page: '/cart', weight: 5,
    frames: [
      { filename: 'node_modules/react-dom/cjs/react-dom.production.js', function: 'commitRoot', lineno: 8120, colno: 14, in_app: false },
      { filename: 'src/cart/CartPage.jsx', function: 'CartPage', lineno: 31, colno: 18, in_app: true,
        pre_context: ['export function CartPage({ items }) {', '  const [coupon] = useCoupon();', ''], context_line: '  const total = sumPrices(items, coupon);',
        post_context: ['  return <Summary total={total} />;', '}'] },
      { filename: 'src/cart/total.js', function: 'sumPrices', lineno: 12, colno: 27, in_app: true,
        pre_context: ['export function sumPrices(items, coupon) {', '  let sum = 0;', '  for (const item of items) {'], context_line: '    sum += item.product.price * item.quantity;',
        post_context: ['  }', '  return applyCoupon(sum, coupon);', '}'],
        minified: { filename: `${ORIGIN}/assets/index-3f2a.js`, function: 'q', lineno: 1, colno: 48213 } },
    ],
  },
  {
    type: 'Error', value: 'Payment provider timeout after 10000 ms', page: '/checkout', weight: 2,
    frames: [
      { filename: 'src/checkout/pay.js', function: 'payNow', lineno: 44, colno: 11, in_app: true,
        pre_context: ['  const response = await withTimeout(provider.charge(cart), 10000);', '  if (!response.ok) {'], context_line: "    throw new Error(`Payment provider timeout after ${ms} ms`);",
        post_context: ['  }'] },
    ],
  },
  {
    type: 'ChunkLoadError', value: 'Loading chunk 7 failed.', page: '/products/42', weight: 1,
    frames: [{ filename: `${ORIGIN}/assets/vendor-9ab1.js`, function: 'r.f.j', lineno: 2, colno: 1180, in_app: false }],
  },
];

const rating = (name, v) => {
  const t = { LCP: [2500, 4000], INP: [200, 500], CLS: [0.1, 0.25], FCP: [1800, 3000], TTFB: [800, 1800] }[name];
  return v <= t[0] ? 'good' : v <= t[1] ? 'needs-improvement' : 'poor';
};

function session(start, { live = false } = {}) {
  const [ua, viewport] = weighted(AGENTS.map(([u, v, w]) => [[u, v], w]));
  const mobile = viewport.w < 768;
  const visitor = `v-${Math.floor(rand() * SESSIONS * 0.7)}`;
  const sessionId = id().slice(0, 16);
  const release = rand() < 0.6 ? 'web@1.3.0' : 'web@1.2.0';
  const environment = rand() < 0.85 ? 'production' : 'staging';
  const base = { release, environment, user: { visitor_id: visitor, session_id: sessionId }, browser: { user_agent: ua, language: 'en-US', viewport } };
  const events = [];
  const add = (e, t) => events.push({ event_id: id(), timestamp: Math.round(t), ...base, ...e });
  let t = start;
  let previous = weighted(REFERRERS);
  const views = live ? 1 : 1 + Math.floor(logNormal(1.6, 0.7));
  const crumbs = [];
  for (let v = 0; v < Math.min(views, 8); v++) {
    const path = v === 0 ? weighted(PAGES) : weighted(PAGES.filter(([p]) => p !== previous));
    const page = { url: `${ORIGIN}${path}${rand() < 0.2 ? '?utm_source=mail' : ''}`, referrer: previous && (previous.startsWith('http') ? previous : `${ORIGIN}${previous}`), title: `Shop ${path}` };
    if (!page.referrer) delete page.referrer;
    add({ type: 'page_view', page }, t);
    crumbs.push({ timestamp: t, category: 'navigation', message: path, level: 'info', data: { from: previous || null, to: path, how: v ? 'pushState' : 'load' } });
    const slow = (mobile ? 1.5 : 1) * (path === '/checkout' ? 1.4 : 1);
    if (v === 0 || rand() < 0.5) {
      const lcp = logNormal(2000 * slow, 0.45);
      add({ type: 'web_vital', page, name: 'TTFB', value: logNormal(450 * slow, 0.5), id: `${sessionId}-${v}-t`, attribution: { waiting_duration: 20, dns_duration: 12, connection_duration: 30, request_duration: 200 } }, t + 300);
      add({ type: 'web_vital', page, name: 'FCP', value: logNormal(1300 * slow, 0.4), id: `${sessionId}-${v}-f`, attribution: { time_to_first_byte: 300, first_byte_to_fcp: 900, load_state: 'dom-interactive' } }, t + 900);
      add({ type: 'web_vital', page, name: 'LCP', value: lcp, id: `${sessionId}-${v}-l`,
        attribution: { target: pick(['main>img.hero', 'main>h1', 'main>div.product>img', 'main>section.pricing>table']), url: `${ORIGIN}/img/hero.jpg`, time_to_first_byte: 300, resource_load_delay: 40, resource_load_duration: 600, element_render_delay: 120 } }, t + 1500);
      const cls = Math.max(0, logNormal(0.05 * slow, 0.9) - 0.02);
      add({ type: 'web_vital', page, name: 'CLS', value: Number(cls.toFixed(4)), id: `${sessionId}-${v}-c`, attribution: { largest_shift_target: pick(['main>div.banner', 'footer', 'main>img.hero']), largest_shift_time: 1800, largest_shift_value: cls, load_state: 'complete' } }, t + 4000);
      if (rand() < 0.7) {
        const inp = logNormal(140 * slow, 0.6);
        const target = pick(CLICKS)[0];
        add({ type: 'web_vital', page, name: 'INP', value: inp, id: `${sessionId}-${v}-i`, attribution: { interaction_target: target, interaction_type: pick(['pointer', 'pointer', 'keyboard']), input_delay: 10, processing_duration: inp * 0.6, presentation_delay: inp * 0.3, load_state: 'complete' } }, t + 6000);
      }
    }
    const clicks = Math.floor(rand() * 4);
    for (let c = 0; c < clicks; c++) {
      const [target, text] = pick(CLICKS);
      const at = t + 2000 + c * 3000;
      add({ type: 'click', page, target, text, x: 400, y: 200 }, at);
      crumbs.push({ timestamp: at, category: 'ui.click', message: target, level: 'info' });
    }
    if (rand() < 0.06) add({ type: 'rage_click', page, target: '#app>main>button.buy', text: 'Buy now', count: 3 + Math.floor(rand() * 4), x: 414, y: 231 }, t + 9000);
    if ((path === '/checkout' || path === '/docs') && rand() < 0.5) add({ type: 'form_submit', page, target: path === '/checkout' ? '#checkout' : '#app>main>form#search', form: { id: 'checkout', name: 'checkout', action: '/api/order', fields: 6 } }, t + 15000);
    const bug = BUGS.find((b) => b.page === path && rand() < 0.12 * b.weight);
    if (bug) {
      crumbs.push({ timestamp: t + 5000, category: 'http', message: 'POST /api/cart', level: bug.type === 'Error' ? 'error' : 'info', data: { method: 'POST', url: `${ORIGIN}/api/cart`, status: bug.type === 'Error' ? 504 : 200 } });
      crumbs.push({ timestamp: t + 5100, category: 'console', message: 'warn: price missing for item', level: 'warning' });
      add({
        type: 'error', level: 'error', page, tags: { plan: pick(['free', 'pro']), locale: 'en-US' },
        exception: { values: [{ type: bug.type, value: bug.value, mechanism: { type: 'onerror', handled: false }, stacktrace: { frames: bug.frames.map((f) => ({ ...f })) } }] },
        breadcrumbs: crumbs.slice(-12),
      }, t + 5200);
    }
    const stay = logNormal(25000, 0.9);
    add({ type: 'time_on_page', page, duration: Math.round(stay) }, t + stay);
    previous = path;
    t += stay + 500;
  }
  if (rand() < 0.3) add({ type: 'custom', name: pick(['signup', 'add_to_cart', 'share']), data: { plan: 'pro' } }, t);
  return events;
}

async function send(events) {
  const now = Date.now();
  const response = await fetch(`${URL_BASE}/api/${PROJECT}/events?key=${KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ sdk: { name: 'seed', version: '1' }, sent_at: now, events: events.filter((e) => e.timestamp <= now) }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer)}`);
  if (answer.rejected?.length) console.warn('rejected', JSON.stringify(answer.rejected.slice(0, 3)));
  return answer.accepted || 0;
}

if ('if-empty' in args) {
  const token = process.env.MONITOR_API_TOKEN;
  const response = await fetch(`${URL_BASE}/api/${PROJECT}/events?limit=1`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`cannot tell whether project ${PROJECT} has events: ${response.status} ${await response.text()}`);
  if ((await response.json()).events.length > 0) {
    console.log(`project ${PROJECT} has events already; no demo traffic sent`);
    process.exit(0);
  }
}

let accepted = 0;
const now = Date.now();
for (let s = 0; s < SESSIONS; s++) {
  // More traffic in the last hours, so the 1 h range has something too.
  const back = HOURS * 3600e3 * (rand() < 0.2 ? rand() * 0.05 : rand());
  accepted += await send(session(now - back - 60000));
}
console.log(`seeded ${accepted} events over ${HOURS} h into project ${PROJECT} at ${URL_BASE}`);
if (LIVE > 0) {
  const end = Date.now() + LIVE * 1000;
  let live = 0;
  while (Date.now() < end) {
    live += await send(session(Date.now() - 200, { live: true }).filter((e) => e.timestamp <= Date.now()));
    await new Promise((r) => setTimeout(r, 700 + rand() * 800));
  }
  console.log(`sent ${live} live events over ${LIVE} s`);
}
