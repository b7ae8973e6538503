import { defineConfig } from 'vitest/config';

// The CLI tests start a real code-runner and spawn the real CLI: give them time on a busy machine.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
