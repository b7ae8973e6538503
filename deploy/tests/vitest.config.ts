import { defineConfig } from 'vitest/config';

// The image build test prunes, installs and builds an app from scratch (minutes on a shared 2-core
// machine): generous timeouts, and one file at a time so it never competes with the other checks.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 15 * 60_000,
    fileParallelism: false,
  },
});
