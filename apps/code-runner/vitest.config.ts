import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real compilers in a real sandbox on a small shared machine: one file at a time, generous timeouts.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
