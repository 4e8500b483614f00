import { defineConfig } from 'vite';

// The collector serves dist/ under a path of its own (/dashboard/, or behind a proxy
// prefix), so every asset URL is relative to index.html.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `pnpm dev` talks to a collector on 127.0.0.1:8787 (override with MONITOR_API).
    proxy: { '/api': process.env.MONITOR_API || 'http://127.0.0.1:8787' },
  },
});
