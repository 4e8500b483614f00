// A minimal static file server for the built app, on its own origin (so the SDK's requests to
// the collector are cross-origin, as on a real site).
//
// Options (all optional; without them it serves `root` as before):
// - `mounts`: `{ '/sdk/': dir }` serves `dir` under that path prefix (the longest prefix wins).
// - `delays`: `{ '/vitals/hero.png': 300 }` holds the response to that exact path for so many
//   ms before it starts (so the time shows up in the resource's own timing), e.g. a slow image.
// - `/status/NNN` (any path under it) always answers status NNN with a short text body, and
//   `/hang` never answers: the failing and stuck HTTP calls of the capture tests.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

/** The directory and the path inside it that serve `path`. */
function resolve(path, root, mounts) {
  let best = null;
  for (const prefix of Object.keys(mounts)) {
    if (path.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  if (!best) return { dir: root, rest: path === '/' ? 'index.html' : path };
  return { dir: mounts[best], rest: path.slice(best.length) || 'index.html' };
}

export async function serveDir(root, { mounts = {}, delays = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const { dir, rest } = resolve(path, root, mounts);
    const file = join(dir, rest);
    if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    const status = path.match(/^\/status\/(\d{3})\b/);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end(`status ${status[1]}`);
      return;
    }
    if (path === '/hang') return; // the client gives up (abort, timeout)
    const delay = delays[path];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        // Keep-alive connections (a page still open, a bfcache'd page) would hold close().
        server.closeAllConnections?.();
      }),
  };
}
