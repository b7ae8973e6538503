import type { LimitSet } from '@repo/runner-api';
import type { RunLimits } from '@repo/sandbox';
import type { Config } from './config.ts';

/** A request asked for more than the server allows; the message names the limit and the maximum. */
export class LimitAboveMaximumError extends Error {
  override name = 'LimitAboveMaximumError';
  readonly limit: string;
  readonly maximum: number;
  constructor(limit: string, value: number, maximum: number, unit: 'ms' | 'bytes') {
    super(`${limit} ${value} ${unit} is above the server maximum of ${maximum} ${unit}`);
    this.limit = limit;
    this.maximum = maximum;
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

export type LimitRequest = Partial<
  Pick<
    LimitSet,
    | 'compile_timeout'
    | 'run_timeout'
    | 'compile_cpu_time'
    | 'run_cpu_time'
    | 'compile_memory_limit'
    | 'run_memory_limit'
  >
>;

const units: Record<keyof LimitRequest, 'ms' | 'bytes'> = {
  compile_timeout: 'ms',
  run_timeout: 'ms',
  compile_cpu_time: 'ms',
  run_cpu_time: 'ms',
  compile_memory_limit: 'bytes',
  run_memory_limit: 'bytes',
};

/**
 * The limits of a request: each asked value (absent or -1 = the maximum) checked against the server
 * maximum; the limits a request cannot choose are the maxima.
 */
export function resolveLimits(request: LimitRequest, maxima: LimitSet): StageLimits {
  const pick = (key: keyof LimitRequest): number => {
    const asked = request[key];
    if (asked === undefined || asked === -1) return maxima[key];
    if (asked > maxima[key]) throw new LimitAboveMaximumError(key, asked, maxima[key], units[key]);
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
