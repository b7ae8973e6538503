import { classifyExecution, type ExecuteResponse, type OutcomeKind, type Stage } from '@repo/runner-api';

export type Tone = 'ok' | 'error' | 'limit';

/** A run's result in words, for the status line. */
export interface OutcomeText {
  title: string;
  /** Exit code or signal, e.g. "exit code 1" or "signal SIGKILL"; empty when the title says it already. */
  detail: string;
  tone: Tone;
  /**
   * The compile stage failed (the user's compile error, or the server's internal error while compiling), so the
   * program did not run: the compile stage's output and usage are the ones to show.
   */
  compileFailed: boolean;
}

const tones: Record<OutcomeKind, Tone> = {
  ok: 'ok',
  'compile-error': 'error',
  'runtime-error': 'error',
  signal: 'error',
  'time-limit': 'limit',
  'memory-limit': 'limit',
  'output-limit': 'limit',
  'file-size-limit': 'limit',
  'internal-error': 'error',
};

function ending(stage: Stage): string {
  if (stage.signal) return `signal ${stage.signal}`;
  if (stage.code !== null) return `exit code ${stage.code}`;
  return '';
}

/** Describes an execute answer with `@repo/runner-api`'s classifier: a failed compile first, then the run. */
export function describeOutcome(response: ExecuteResponse): OutcomeText {
  const outcome = classifyExecution(response);
  const stage = outcome.stage === 'compile' && response.compile ? response.compile : response.run;
  const detail = ending(stage);
  return {
    title: outcome.summary,
    detail: outcome.summary.includes(detail) ? '' : detail,
    tone: tones[outcome.kind],
    compileFailed: outcome.stage === 'compile',
  };
}

/** `850 ms`, `1.25 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** `512 B`, `12.4 KiB`, `31.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "wall 120 ms · CPU 95 ms · memory 9.1 MiB" for the stage that ran last. */
export function formatUsage(stage: Stage): string {
  const parts = [`wall ${formatDuration(stage.wall_time)}`];
  if (stage.cpu_time !== null) parts.push(`CPU ${formatDuration(stage.cpu_time)}`);
  if (stage.memory !== null) parts.push(`memory ${formatBytes(stage.memory)}`);
  return parts.join(' · ');
}
