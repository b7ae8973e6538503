import { defineConfig } from 'vitest/config';

// The image tests build both images with podman (cold on a fresh machine: a local base, then
// code-runner's toolchains, minutes on a shared 2-core machine) and soak code-runner for minutes:
// generous hook timeouts, and one file at a time so that nothing competes with the builds and the soak.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 20 * 60_000,
    fileParallelism: false,
  },
});
