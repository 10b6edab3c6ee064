import { defineConfig } from 'vite';

// The app is built once, at package build time, into dist/app; `llmspell ui` serves it as
// static files. Preact's JSX runtime through esbuild, no plugin needed.
export default defineConfig({
  root: 'src/app',
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../../dist/app',
    emptyOutDir: true,
    target: 'es2022',
    // No inline data: URLs, so the page runs under a strict Content-Security-Policy.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
