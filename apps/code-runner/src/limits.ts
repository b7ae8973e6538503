import type { LimitSet } from '@repo/runner-api';
import type { RunLimits } from '@repo/sandbox';
import { limitBounds } from '@repo/sandbox/limits';
import type { Config } from './config.ts';
import { ClientError } from './errors.ts';

/**
 * A request asks for more or less than the server and its sandbox accept (a limit, too many arguments, a file
 * too large); the message names the field and the values allowed.
 */
export class OutOfBoundsError extends ClientError {
  override name = 'OutOfBoundsError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(400, message, { reason: 'invalid' });
    this.field = field;
  }
}

/** The limits of both stages of one execution. */
export interface StageLimits {
  compile: RunLimits;
  run: RunLimits;
}

/** The server maxima from the configuration, in the API's names (times in ms, sizes in bytes). */
export function maximaFromConfig(config: Config): LimitSet {
  return {
    compile_timeout: config.MAX_COMPILE_TIMEOUT_MS,
    run_timeout: config.MAX_RUN_TIMEOUT_MS,
    compile_cpu_time: config.MAX_COMPILE_CPU_TIME_MS,
    run_cpu_time: config.MAX_RUN_CPU_TIME_MS,
    compile_memory_limit: config.MAX_COMPILE_MEMORY_BYTES,
    run_memory_limit: config.MAX_RUN_MEMORY_BYTES,
    processes: config.MAX_PROCESSES,
    file_size: config.MAX_FILE_SIZE_BYTES,
    disk: config.MAX_DISK_BYTES,
    open_files: config.MAX_OPEN_FILES,
    stdout: config.MAX_OUTPUT_BYTES,
    stderr: config.MAX_OUTPUT_BYTES,
  };
}

/** The limits a request may choose (Piston's names): the unit, and the sandbox limit each sets. */
export const requestLimits = {
  compile_timeout: { unit: 'ms', sandbox: 'wallTimeMs' },
  run_timeout: { unit: 'ms', sandbox: 'wallTimeMs' },
  compile_cpu_time: { unit: 'ms', sandbox: 'cpuTimeMs' },
  run_cpu_time: { unit: 'ms', sandbox: 'cpuTimeMs' },
  compile_memory_limit: { unit: 'bytes', sandbox: 'memoryBytes' },
  run_memory_limit: { unit: 'bytes', sandbox: 'memoryBytes' },
} as const satisfies Record<string, { unit: 'ms' | 'bytes'; sandbox: keyof typeof limitBounds }>;
export type RequestLimit = keyof typeof requestLimits;

/** Absent, null or 0: the server's default; -1: the server's maximum; else a whole number within limitRange(). */
export type LimitRequest = Partial<Record<RequestLimit, number | null>>;

/** The values a request may give `key` besides -1 and 0: from the sandbox's minimum to the server's maximum. */
export function limitRange(key: RequestLimit, maxima: LimitSet): { min: number; max: number } {
  return { min: limitBounds[requestLimits[key].sandbox].min, max: maxima[key] };
}

/** Whether a request may give `key` this value (absent and null included). */
export function limitAllowed(key: RequestLimit, value: unknown, maxima: LimitSet): boolean {
  if (value === undefined || value === null || value === 0 || value === -1) return true;
  const { min, max } = limitRange(key, maxima);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** `run_timeout must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms`. */
export function describeLimitRange(key: RequestLimit, maxima: LimitSet): string {
  const { min, max } = limitRange(key, maxima);
  return `${key} must be -1 (the maximum), 0 (the default) or from ${min} to ${max} ${requestLimits[key].unit}`;
}

/** A value as a message quotes it: JSON, a long string cut to its first 36 characters. */
export function quoteValue(value: unknown): string {
  if (typeof value === 'number') return String(value); // Infinity (1e999 in JSON), not JSON's null
  if (typeof value === 'string' && value.length > 36) return `${JSON.stringify(value.slice(0, 36)).slice(0, -1)}..."`;
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
}

/**
 * The limits of a request. Absent, null or 0 is the server's default, which is its maximum (as /api/v2/info
 * says: the configuration sets maxima only); -1 is the maximum. The limits a request cannot choose are the maxima.
 */
export function resolveLimits(request: LimitRequest, maxima: LimitSet): StageLimits {
  const pick = (key: RequestLimit): number => {
    const asked = request[key];
    if (asked === undefined || asked === null || asked === 0 || asked === -1) return maxima[key];
    if (!limitAllowed(key, asked, maxima)) {
      throw new OutOfBoundsError(key, `${describeLimitRange(key, maxima)}, got ${quoteValue(asked)}`);
    }
    return asked;
  };
  const shared = {
    processes: maxima.processes,
    fileSizeBytes: maxima.file_size,
    diskBytes: maxima.disk,
    openFiles: maxima.open_files,
    stdoutBytes: maxima.stdout,
    stderrBytes: maxima.stderr,
    network: false,
  };
  return {
    compile: {
      ...shared,
      wallTimeMs: pick('compile_timeout'),
      cpuTimeMs: pick('compile_cpu_time'),
      memoryBytes: pick('compile_memory_limit'),
    },
    run: {
      ...shared,
      wallTimeMs: pick('run_timeout'),
      cpuTimeMs: pick('run_cpu_time'),
      memoryBytes: pick('run_memory_limit'),
    },
  };
}
