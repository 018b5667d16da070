import { defineConfig } from 'vite';

// Built with `vite build src/dashboard` from the repository root, so paths are relative to this
// folder. The API serves the output at /dashboard/ (src/api/routes/dashboard-files.ts).
export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../../dist/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    // The API's CSP admits scripts and styles from files only, so nothing may be inlined.
    assetsInlineLimit: 0,
  },
});
