// What a page can observe of fetch, XHR, history, console, forms and its own listeners, run
// once with the SDK started and once without (invariance.test.mjs compares the two logs).
// Everything observed goes into window.__log; window.__probed is set at the end.
const log = [];
const note = (...item) => log.push(item);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function probeFetch() {
  note('fetch.toString', fetch.toString(), fetch.name, fetch.length);
  const response = await fetch('/status/201');
  note('fetch.ok', response.status, response.statusText, response.headers.get('content-type'),
    await response.text(), response instanceof Response, Object.getPrototypeOf(response) === Response.prototype);
  const failure = await fetch('http://127.0.0.1:9/').catch((e) => e);
  note('fetch.rejected', failure.name, failure.message, failure instanceof TypeError);
  const bad = await Promise.resolve().then(() => fetch('/x', { method: 'CONNECT' })).catch((e) => e);
  note('fetch.badMethod', bad.name, bad.message);
  const controller = new AbortController();
  const aborted = fetch('/hang', { signal: controller.signal }).catch((e) => [e.name, e.message]);
  controller.abort();
  note('fetch.aborted', await aborted);
  // A rejection the page never handles must still reach `unhandledrejection`.
  const unhandled = new Promise((resolve) => {
    const on = (event) => {
      window.removeEventListener('unhandledrejection', on);
      event.preventDefault();
      resolve([event.reason.name, event.reason.message]);
    };
    window.addEventListener('unhandledrejection', on);
  });
  fetch('http://127.0.0.1:9/unhandled');
  note('fetch.unhandled', await unhandled);
}

function xhrRun(url, setup) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const seen = [`instanceof:${xhr instanceof XMLHttpRequest}`];
    for (const type of ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'abort', 'timeout', 'loadend']) {
      xhr.addEventListener(type, () => seen.push(`${type}:${xhr.readyState}:${xhr.status}`));
    }
    xhr.onreadystatechange = () => seen.push(`onreadystatechange:${xhr.readyState}`);
    xhr.open('GET', url);
    setup?.(xhr);
    xhr.onloadend = () => resolve(seen);
    xhr.send();
  });
}

async function probeXhr() {
  note('xhr.toString', XMLHttpRequest.prototype.open.toString(), XMLHttpRequest.prototype.send.toString());
  note('xhr.ok', await xhrRun('/status/200'));
  note('xhr.500', await xhrRun('/status/500'));
  note('xhr.error', await xhrRun('http://127.0.0.1:9/'));
  note('xhr.abort', await xhrRun('/hang', (x) => setTimeout(() => x.abort(), 50)));
  note('xhr.timeout', await xhrRun('/hang', (x) => (x.timeout = 80)));
}

async function probeHistory() {
  const pops = [];
  const onPop = (event) => pops.push(['popstate', JSON.stringify(event.state), location.pathname + location.hash]);
  const onHash = () => pops.push(['hashchange', location.hash]);
  window.addEventListener('popstate', onPop);
  window.addEventListener('hashchange', onHash);
  note('history.toString', history.pushState.toString(), history.replaceState.toString());
  const length = history.length;
  note('history.push', history.pushState({ n: 1 }, '', '/invariance/one'), JSON.stringify(history.state));
  note('history.replace', history.replaceState({ n: 2 }, '', '/invariance/two'), JSON.stringify(history.state));
  history.pushState({ n: 3 }, '', '/invariance/three');
  note('history.length', history.length - length);
  history.back();
  await wait(100);
  location.hash = '#section';
  await wait(100);
  note('history.events', pops);
  window.removeEventListener('popstate', onPop);
  window.removeEventListener('hashchange', onHash);
}

function probeConsole() {
  note('console.toString', console.warn.toString(), console.error.toString(), console.log.toString());
  console.log('plain log', 1, { a: [1, 2] });
  console.warn('a warning', new Error('inside a warning'));
  console.error('an error', null, undefined);
  console.info('info');
}

async function probeListenersAndForm() {
  const order = [];
  const target = document.getElementById('target');
  window.addEventListener('click', () => order.push('window capture'), true);
  document.addEventListener('click', () => order.push('document capture'), true);
  target.addEventListener('click', (e) => order.push(`target ${e.eventPhase} ${e.isTrusted}`));
  document.addEventListener('click', () => order.push('document bubble'));
  window.addEventListener('click', (e) => order.push(`window bubble defaultPrevented=${e.defaultPrevented}`));
  target.click();
  note('listeners.click', order);
  const form = document.getElementById('form');
  const submits = [];
  document.addEventListener('submit', (e) => submits.push(`document capture ${e.defaultPrevented}`), true);
  form.addEventListener('submit', () => submits.push('form'));
  window.addEventListener('submit', (e) => submits.push(`window bubble ${e.defaultPrevented}`));
  const loaded = new Promise((resolve) => document.getElementById('sink').addEventListener('load', resolve, { once: true }));
  form.requestSubmit();
  await loaded;
  note('form.submit', submits, document.getElementById('sink').contentDocument?.body?.textContent ?? 'cross-origin');
}

(async () => {
  await window.__ready;
  await probeFetch();
  await probeXhr();
  await probeHistory();
  probeConsole();
  await probeListenersAndForm();
  window.__log = log;
  window.__probed = true;
})();
