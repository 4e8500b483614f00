// Loaded by the capture pages: imports the SDK as built (/sdk/index.js) and starts it with
// the `dsn` of the URL and the JSON `options` (strings starting with "re:" in ignoreErrors,
// allowUrls and denyUrls become RegExps). window.__ready resolves to what init() resolved to;
// window.Monitor is the SDK's module.
const params = new URLSearchParams(location.search);
const options = JSON.parse(params.get('options') || '{}');
for (const key of ['ignoreErrors', 'allowUrls', 'denyUrls']) {
  if (Array.isArray(options[key])) {
    options[key] = options[key].map((p) => (p.startsWith('re:') ? new RegExp(p.slice(3)) : p));
  }
}
window.__ready = import('/sdk/index.js').then((Monitor) => {
  window.Monitor = Monitor;
  const dsn = params.get('dsn');
  return dsn ? Monitor.init({ dsn, flushInterval: 100, debug: true, ...options }) : false;
});
