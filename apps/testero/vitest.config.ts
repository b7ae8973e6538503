import { defineConfig } from 'vitest/config';

// Some tests start the real server as a child process and make it hold memory, files and CPU:
// generous timeouts, and one file at a time so they do not fight over the machine's 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
