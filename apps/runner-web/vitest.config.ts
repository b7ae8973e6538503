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
  },
});
