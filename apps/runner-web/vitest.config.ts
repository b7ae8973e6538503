import { defineConfig } from 'vitest/config';

// Unit tests run in Node; the browser tests (e2e/) start chromium and a real code-runner, so they get
// long timeouts and build the page once before they start.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    coverage: {
      // In the package's `test` script (what `pnpm test`, turbo and CI run), not in a run of one file:
      // the floor is for the whole suite. `vitest run --coverage` turns it on anyway.
      enabled: process.env.npm_lifecycle_event === 'test',
      provider: 'v8',
      // The modules the Node unit tests import. main.ts (the page's DOM wiring), editor.ts and languages.ts
      // (CodeMirror) run only in chromium in e2e/, where Node's V8 coverage does not reach.
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/main.ts', 'src/editor.ts', 'src/languages.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportOnFailure: true,
      // A little below what the suite covers now (2026-11-30), so that a drop fails CI.
      thresholds: { statements: 82, branches: 72, functions: 92, lines: 81 },
    },
  },
});
