import os from 'node:os';
import type { RunResult } from '@repo/sandbox';
import { normalizeSignal } from '../stage.ts';

/** Judge0 CE 1.13.1's statuses (app/enumerations/status.rb), by id. */
export const statuses = [
  { id: 1, description: 'In Queue' },
  { id: 2, description: 'Processing' },
  { id: 3, description: 'Accepted' },
  { id: 4, description: 'Wrong Answer' },
  { id: 5, description: 'Time Limit Exceeded' },
  { id: 6, description: 'Compilation Error' },
  { id: 7, description: 'Runtime Error (SIGSEGV)' },
  { id: 8, description: 'Runtime Error (SIGXFSZ)' },
  { id: 9, description: 'Runtime Error (SIGFPE)' },
  { id: 10, description: 'Runtime Error (SIGABRT)' },
  { id: 11, description: 'Runtime Error (NZEC)' },
  { id: 12, description: 'Runtime Error (Other)' },
  { id: 13, description: 'Internal Error' },
  { id: 14, description: 'Exec Format Error' },
] as const;

export const Status = {
  queue: 1,
  process: 2,
  ac: 3,
  wa: 4,
  tle: 5,
  ce: 6,
  sigsegv: 7,
  sigxfsz: 8,
  sigfpe: 9,
  sigabrt: 10,
  nzec: 11,
  other: 12,
  boxerr: 13,
  exeerr: 14,
} as const;

export function statusOf(id: number): { id: number; description: string } {
  return statuses.find((s) => s.id === id) ?? { id, description: 'Unknown' };
}

/** Judge0's `find_runtime_error_by_status_code`: the status of a run killed by signal `number`. */
export function statusOfSignal(number: number): number {
  switch (number) {
    case 11:
      return Status.sigsegv;
    case 25:
      return Status.sigxfsz;
    case 8:
      return Status.sigfpe;
    case 6:
      return Status.sigabrt;
    default:
      return Status.other;
  }
}

/** The number of a signal by name (`SIGSEGV` -> 11), as isolate's `exitsig` gives it. */
export function signalNumber(name: string | null): number | null {
  const normal = normalizeSignal(name);
  if (normal === null) return null;
  return (os.constants.signals as Record<string, number>)[normal] ?? null;
}

/** isolate_job.rb's `strip`: trailing whitespace of each line and of the whole text ignored (Ruby's rstrip). */
export function stripOutput(text: string | null): string | null {
  if (text === null) return null;
  const rstrip = (s: string) => s.replace(/[ \t\n\v\f\r\0]+$/, '');
  return rstrip(text.split('\n').map(rstrip).join('\n'));
}

/** What one run of a submission gave, in Judge0's fields (texts plain, not base64). */
export interface RunVerdict {
  status_id: number;
  stdout: string | null;
  stderr: string | null;
  exit_code: number | null;
  exit_signal: number | null;
  message: string | null;
  /** CPU time (wall time where the sandbox cannot measure CPU) and wall time, ms; peak memory, KB. */
  timeMs: number;
  wallTimeMs: number;
  memoryKb: number | null;
}

export interface JudgeOptions {
  /** Decoded `expected_output`; null: any output is accepted. */
  expectedOutput: string | null;
  /** `cpu_time_limit` in ms (0: none): a run that used more CPU is TLE even when it ended within the extra time. */
  cpuTimeLimitMs: number;
}

const emptyToNull = (text: string) => (text === '' ? null : text);

/**
 * A sandbox result as isolate_job.rb's `verify` and `determine_status` would judge it: TO -> 5, SG -> by
 * signal, RE -> 11 (NZEC), XX -> 13, else 3 or 4 by the expected output. Our sandbox's own stops map to what
 * isolate reports for them: memory (cgroup OOM kill) -> SIGKILL, output over its cap -> SIGXFSZ (isolate's
 * stdout is a file under `-f`). An 'aborted' run has no verdict: the caller queues it again.
 */
export function judgeRun(run: RunResult, options: JudgeOptions): RunVerdict {
  const timeMs = run.cpuTimeMs ?? run.wallTimeMs;
  const verdict: RunVerdict = {
    status_id: Status.ac,
    stdout: emptyToNull(run.stdout),
    stderr: emptyToNull(run.stderr),
    exit_code: run.exitCode ?? 0,
    exit_signal: null,
    message: null,
    timeMs,
    wallTimeMs: run.wallTimeMs,
    memoryKb: run.memoryBytes === null ? null : Math.round(run.memoryBytes / 1024),
  };
  const overCpu = options.cpuTimeLimitMs > 0 && run.cpuTimeMs !== null && run.cpuTimeMs > options.cpuTimeLimitMs;
  const signaled = (number: number, message: string) => {
    verdict.exit_code = 0;
    verdict.exit_signal = number;
    verdict.status_id = statusOfSignal(number);
    verdict.message = message;
  };
  switch (run.status) {
    case 'internal':
      verdict.status_id = Status.boxerr;
      verdict.message = 'internal error';
      return verdict;
    case 'timeout':
      verdict.status_id = Status.tle;
      verdict.exit_code = 0;
      verdict.message = run.timeout === 'wall' ? 'Time limit exceeded (wall clock)' : 'Time limit exceeded';
      return verdict;
    case 'memory':
      signaled(9, 'Caught fatal signal 9');
      return verdict;
    case 'output':
      signaled(25, run.message ?? 'output limit exceeded');
      return verdict;
    default:
      break;
  }
  if (overCpu) {
    verdict.status_id = Status.tle;
    verdict.message = 'Time limit exceeded';
    return verdict;
  }
  if (run.status === 'signaled') {
    const number = signalNumber(run.signal) ?? 0;
    signaled(number, `Caught fatal signal ${number}`);
    return verdict;
  }
  if (run.status === 'runtime-error') {
    verdict.status_id = Status.nzec;
    verdict.message = `Exited with error status ${run.exitCode}`;
    return verdict;
  }
  const expected = options.expectedOutput;
  verdict.status_id =
    expected === null || stripOutput(expected) === stripOutput(verdict.stdout) ? Status.ac : Status.wa;
  return verdict;
}

/** A decimal in seconds as Judge0 (Rails' BigDecimal) writes it: "0.002", "1.0". */
export function seconds(ms: number): string {
  const text = String(Math.round(ms) / 1000);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}
