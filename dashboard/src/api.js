// The collector's query and live APIs. The dashboard is served by the collector (at
// /dashboard/, or under a proxy prefix), so the API is one level up from the page.
import { readSse } from './sse.js';

const TOKEN_KEY = 'monitor.apiToken';

export const apiBase = () => new URL('..', location.href);

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lasts for this page only */
  }
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
  get needsToken() {
    return this.status === 401 || this.status === 403;
  }
}

const authListeners = new Set();
/** `fn(error)` runs whenever the API answers 401 or 403. */
export function onAuthNeeded(fn) {
  authListeners.add(fn);
}
const authNeeded = (error) => authListeners.forEach((fn) => fn(error));

function headers(extra = {}) {
  const token = getToken();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

export function apiUrl(path, params = {}) {
  const url = new URL(`api/${path}`, apiBase());
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

/** GET (or `method`) `api/{path}` with `params`; resolves to the JSON, rejects with ApiError. */
export async function api(path, { params, method = 'GET', body, signal } = {}) {
  const url = apiUrl(path, params);
  let response;
  try {
    response = await fetch(url, {
      method,
      signal,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, `cannot reach the collector at ${apiBase()} (${error.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: use the text in the error */
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json?.error || text.slice(0, 200) || response.statusText);
    if (error.needsToken) authNeeded(error);
    throw error;
  }
  return json;
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

/**
 * Follows `GET api/{project}/live/stream` (server-sent events) with fetch, since
 * EventSource cannot send the Authorization header. Reconnects with back-off when the
 * stream drops; stops on 401/403. onTick(tick) per `event: counters`; onStatus(state,
 * detail) with 'connecting', 'open', 'unavailable', 'error', 'auth'. Returns a stop function.
 */
export function liveStream(project, { onTick, onStatus = () => {} }) {
  const controller = new AbortController();
  const { signal } = controller;
  (async () => {
    let delay = 1000;
    while (!signal.aborted) {
      onStatus('connecting');
      try {
        const response = await fetch(apiUrl(`${project}/live/stream`), {
          headers: headers({ Accept: 'text/event-stream' }),
          signal,
          cache: 'no-store',
        });
        if (response.status === 401 || response.status === 403) {
          const json = await response.json().catch(() => ({}));
          const error = new ApiError(response.status, json.error || 'token needed');
          authNeeded(error);
          onStatus('auth', error.message);
          return;
        }
        if (!response.ok) {
          const json = await response.json().catch(() => ({}));
          throw new Error(`HTTP ${response.status}${json.error ? `: ${json.error}` : ''}`);
        }
        onStatus('open');
        delay = 1000;
        await readSse(response.body, ({ event, data }) => {
          if (event === 'counters') {
            onStatus('open');
            onTick(JSON.parse(data));
          } else if (event === 'unavailable') onStatus('unavailable', data);
        });
        if (!signal.aborted) onStatus('error', 'the stream ended');
      } catch (error) {
        if (signal.aborted) return;
        onStatus('error', error.message);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 30000);
    }
  })();
  return () => controller.abort();
}
