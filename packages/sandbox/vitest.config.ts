import { defineConfig } from 'vitest/config';

// Real processes on a shared 2-core machine: generous timeouts, one file at a time so the hostile
// cases (fork bomb, 2 GiB allocation, 1 GB of output) never run next to each other.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
