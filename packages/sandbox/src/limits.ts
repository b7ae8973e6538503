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
  /**
   * RLIMIT_STACK, soft and hard (absent: the server's own, inherited). Used in whole KiB (`ulimit -s`). Not
   * part of `memoryBytes` where RLIMIT_DATA is the limit (level basic): the stack is its own allowance there.
   */
  stackBytes?: number;
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

type NumericLimit = Exclude<keyof RunLimits, 'network'>;

/**
 * The values the sandbox accepts for each limit: whole numbers from `min` (the smallest with which a process
 * can still start: the loader and the wrapper need a few pages and fds) to `max`.
 */
export const limitBounds: Readonly<Record<NumericLimit, Readonly<{ min: number; max: number }>>> = Object.freeze({
  // The wall-clock timer is a setTimeout, which fires at once past 2^31 - 1 ms.
  wallTimeMs: { min: 1, max: 2 ** 31 - 1 },
  cpuTimeMs: { min: 1, max: Number.MAX_SAFE_INTEGER },
  memoryBytes: { min: 4 * MiB, max: Number.MAX_SAFE_INTEGER },
  processes: { min: 1, max: Number.MAX_SAFE_INTEGER },
  fileSizeBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  diskBytes: { min: 64 * 1024, max: Number.MAX_SAFE_INTEGER },
  openFiles: { min: 16, max: Number.MAX_SAFE_INTEGER },
  // The kernel gives exec's argv and env a quarter of the stack rlimit: under 8 MiB, the wrapper's exec of bwrap
  // with a program's `maxExecBytes` would fail (E2BIG).
  stackBytes: { min: 8 * MiB, max: Number.MAX_SAFE_INTEGER },
  stdoutBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  stderrBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
});

/** The most argv entries of a run: bubblewrap refuses more than 9000 arguments in all; its own take about a hundred. */
export const maxArgs = 8000;

/** The longest single argv or env string, in UTF-8 bytes: Linux's MAX_ARG_STRLEN (32 pages of 4 KiB) less the NUL. */
export const maxArgBytes = 32 * 4096 - 1;

/**
 * The most bytes of a run's argv and env together (each string with its NUL): the kernel refuses an exec past
 * a quarter of the stack rlimit (2 MiB under the usual 8 MiB) with E2BIG; the wrapper and bwrap add their own
 * arguments, so the program gets half of that. Hence the least `stackBytes`: 8 MiB.
 */
export const maxExecBytes = 1024 * 1024;

/** Files and directories a box's tmpfs holds at most, the box itself included (its `nr_inodes`). */
export const boxInodes = 16384;

/** Why `value` cannot be an argv or env string (exec() takes C strings of a bounded length), or null. */
export function execStringProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.includes('\0')) return 'must not contain NUL';
  // Lone surrogates become U+FFFD, 3 bytes, like Buffer.byteLength counts them.
  if (value.length > maxArgBytes / 3) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > maxArgBytes) return `must be at most ${maxArgBytes} bytes (UTF-8), got ${bytes}`;
  }
  return null;
}

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
    if (!Object.hasOwn(limitBounds, key)) {
      throw new SandboxOptionError(
        `Unknown limit \`${key}\`; expected one of ${[...Object.keys(limitBounds), 'network'].join(', ')}`,
      );
    }
    const { min, max } = limitBounds[key as NumericLimit];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new SandboxOptionError(`Expected \`limits.${key}\` to be an integer ${range}, got ${describeValue(value)}`);
    }
    limits[key as NumericLimit] = value;
  }
  return limits;
}
