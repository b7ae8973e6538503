// The coverage settings every package's vitest.config.ts shares; each gives only its own floor and files.
import type { CoverageOptions } from 'vitest/node';

type Floor = { statements: number; branches: number; functions: number; lines: number };

export interface PackageCoverage {
  /** A little below what the suite covers now, so that a drop fails CI. */
  floor: Floor;
  /**
   * The floor holds only where CI's promises hold (root, level full, every language: EXPECT_ISOLATION=full);
   * elsewhere whole layers and languages are skipped.
   */
  floorAtFullLevelOnly?: boolean;
  /** More files to leave out besides the tests (e.g. test support, code that runs only in a browser). */
  exclude?: string[];
  /** Count child processes and worker threads too (a server or CLI started by the tests). */
  autoAttachSubprocess?: boolean;
}

/** v8 coverage of src/ in the package's `test` script (what `pnpm test`, turbo and CI run), not in a run of one file. */
export function packageCoverage(options: PackageCoverage): CoverageOptions {
  const enforced = !options.floorAtFullLevelOnly || process.env.EXPECT_ISOLATION === 'full';
  return {
    // The floor is for the whole suite; `vitest run --coverage` turns it on for a single file anyway.
    enabled: process.env.npm_lifecycle_event === 'test',
    provider: 'v8',
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.test.ts', ...(options.exclude ?? [])],
    reporter: ['text-summary', 'json-summary'],
    reportOnFailure: true,
    ...(options.autoAttachSubprocess ? { autoAttachSubprocess: true } : {}),
    thresholds: enforced ? options.floor : {},
  };
}
