import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    coverage: {
      // In the package's `test` script (what `pnpm test`, turbo and CI run), not in a run of one file:
      // the floor is for the whole suite. `vitest run --coverage` turns it on anyway.
      enabled: process.env.npm_lifecycle_event === 'test',
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportOnFailure: true,
      // A little below what the suite covers now (2026-11-30), so that a drop fails CI.
      thresholds: { statements: 94, branches: 85, functions: 98, lines: 98 },
    },
  },
});
