import { describeValue, SandboxOptionError } from './errors.ts';

export interface RunLimits {
  /** Kill everything at this wall-clock time -> status 'timeout', timeout 'wall'. */
  wallTimeMs: number;
  /** CPU time of the whole run -> status 'timeout', timeout 'cpu'. */
  cpuTimeMs: number;
  /** cgroup memory limit (RLIMIT_DATA without cgroups) -> status 'memory'. */
  memoryBytes: number;
  /** cgroup pids.max and/or RLIMIT_NPROC. */
  processes: number;
  /** RLIMIT_FSIZE: the largest single file. */
  fileSizeBytes: number;
  /** Total bytes that may be written in the box (size of the box's tmpfs when root). */
  diskBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** stdout cap: the overflow is cut at a UTF-8 character boundary, flagged, status 'output'. */
  stdoutBytes: number;
  stderrBytes: number;
  /** false (default): an empty network namespace. */
  network: boolean;
}

const MiB = 1024 * 1024;

/** The run-stage defaults of the code-runner spec. */
export const defaultLimits: RunLimits = Object.freeze({
  wallTimeMs: 3000,
  cpuTimeMs: 3000,
  memoryBytes: 256 * MiB,
  processes: 64,
  fileSizeBytes: 16 * MiB,
  diskBytes: 64 * MiB,
  openFiles: 256,
  stdoutBytes: 64 * 1024,
  stderrBytes: 64 * 1024,
  network: false,
});

// Smallest values with which a process can still start (the loader and the wrapper need a few pages and fds).
const minimum: Record<Exclude<keyof RunLimits, 'network'>, number> = {
  wallTimeMs: 1,
  cpuTimeMs: 1,
  memoryBytes: 4 * MiB,
  processes: 1,
  fileSizeBytes: 0,
  diskBytes: 64 * 1024,
  openFiles: 16,
  stdoutBytes: 0,
  stderrBytes: 0,
};

/** Merges `partial` over the defaults and checks every value. */
export function resolveLimits(partial: Partial<RunLimits> | undefined): RunLimits {
  if (partial !== undefined && (typeof partial !== 'object' || partial === null || Array.isArray(partial))) {
    throw new SandboxOptionError(`Expected \`limits\` to be an object, got ${describeValue(partial)}`);
  }
  const limits: RunLimits = { ...defaultLimits };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (value === undefined) continue;
    if (key === 'network') {
      if (typeof value !== 'boolean') {
        throw new SandboxOptionError(`Expected \`limits.network\` to be a boolean, got ${describeValue(value)}`);
      }
      limits.network = value;
      continue;
    }
    if (!(key in minimum)) {
      throw new SandboxOptionError(
        `Unknown limit \`${key}\`; expected one of ${[...Object.keys(minimum), 'network'].join(', ')}`,
      );
    }
    const min = minimum[key as keyof typeof minimum];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new SandboxOptionError(
        `Expected \`limits.${key}\` to be an integer >= ${min}, got ${describeValue(value)}`,
      );
    }
    limits[key as keyof typeof minimum] = value;
  }
  return limits;
}
