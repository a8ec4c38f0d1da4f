import path from 'node:path';
import { defineConfig } from 'vite';

// Built into dist/console and served by the API role at /console/ (same origin, no CDN).
export default defineConfig({
  root: __dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: path.resolve(__dirname, '../../dist/console'),
    emptyOutDir: true,
    // No inline <script> or data: modules: the console's CSP allows same-origin files only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
