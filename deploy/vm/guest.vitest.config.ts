import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The guest-only cgroup v2 checks (deploy/tests/src/guest/*.guest.ts): run by deploy/vm/jobs/suites.sh
// inside the KVM/TCG guest, never on the host (their names are outside Vitest's default *.test.ts).
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../tests/src/guest/', import.meta.url)),
    include: ['*.guest.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
