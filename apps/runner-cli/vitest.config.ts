import { defineConfig } from 'vitest/config';
import { packageCoverage } from '../../vitest.shared.ts';

// The CLI tests start a real code-runner and spawn the real CLI: give them time on a busy machine.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The CLI's own tests run it as a child process (node src/main.ts): count what they reach.
    // A little below what the suite covers now (2026-12-01: `run -i` added paths that only a misbehaving
    // server reaches, e.g. a broken message or a session closed without its exit), so that a drop fails CI.
    coverage: packageCoverage({
      floor: { statements: 83, branches: 70, functions: 83, lines: 86 },
      autoAttachSubprocess: true,
    }),
  },
});
