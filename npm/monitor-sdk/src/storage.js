// Where the wasm keeps the visitor and session records (packages/sdk-browser/src/
// identity.rs): localStorage, which every tab of the site shares, and a first-party cookie
// where localStorage is blocked (some privacy modes, sandboxed frames). The wasm does not
// call these at all when the app set `storage: false`.

const YEAR_SECONDS = 31536000;

function readCookie(key) {
  for (const part of document.cookie.split('; ')) {
    if (part.startsWith(key + '=')) return decodeURIComponent(part.slice(key.length + 1));
  }
  return null;
}

export function load(key) {
  try {
    return localStorage.getItem(key);
  } catch (_) {
    try {
      return readCookie(key);
    } catch (_) {
      return null;
    }
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch (_) {
    try {
      document.cookie = `${key}=${encodeURIComponent(value)}; max-age=${YEAR_SECONDS}; path=/; SameSite=Lax`;
    } catch (_) {
      // no storage at all: the ids last as long as the page
    }
  }
}
