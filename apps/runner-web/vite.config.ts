import { defineConfig } from 'vite';

// code-runner serves dist/ at `/` (or behind a proxy at a sub-path): relative asset URLs work in both.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': process.env.RUNNER_URL ?? 'http://localhost:10100',
    },
  },
});
