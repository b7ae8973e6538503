import { defineConfig } from 'vitest/config';
import { packageCoverage } from '../../vitest.shared.ts';

// Some tests start the real server as a child process and make it hold memory, files and CPU, and open
// its dashboard in chromium: generous timeouts, and one file at a time so they do not fight over the machine's 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The browser tests (e2e/) open the dashboard that the server serves from dist/web: built first when stale.
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // The server runs as a child process in main.test.ts and the CPU load in worker threads: count both.
    // A little below what the suite covers now (2026-11-30) on cgroup v1, so that a drop fails CI; a
    // little more room, as cgroup v2 takes other paths.
    coverage: packageCoverage({
      floor: { statements: 92, branches: 78, functions: 93, lines: 94 },
      autoAttachSubprocess: true,
    }),
  },
});
