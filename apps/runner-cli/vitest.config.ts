import { defineConfig } from 'vitest/config';

// The CLI tests start a real code-runner and spawn the real CLI: give them time on a busy machine.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    coverage: {
      // In the package's `test` script (what `pnpm test`, turbo and CI run), not in a run of one file:
      // the floor is for the whole suite. `vitest run --coverage` turns it on anyway.
      enabled: process.env.npm_lifecycle_event === 'test',
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportOnFailure: true,
      // The CLI's own tests run it as a child process (node src/main.ts): count what they reach.
      autoAttachSubprocess: true,
      // A little below what the suite covers now (2026-11-30), so that a drop fails CI.
      thresholds: { statements: 87, branches: 76, functions: 91, lines: 90 },
    },
  },
});
