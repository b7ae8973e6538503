import {
  classifyExecution,
  classifyStage,
  type ExecuteResponse,
  type ExecutionOutcome,
  type OutcomeKind,
  type Stage,
  type StageEnding,
} from '@repo/runner-api';
import type { SessionEnd } from './session.ts';

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

function ending(stage: StageEnding): string {
  if (stage.signal) return `signal ${stage.signal}`;
  if (stage.code !== null) return `exit code ${stage.code}`;
  return '';
}

function toText(outcome: ExecutionOutcome, stage: StageEnding): OutcomeText {
  const detail = ending(stage);
  return {
    title: outcome.summary,
    detail: outcome.summary.includes(detail) ? '' : detail,
    tone: tones[outcome.kind],
    compileFailed: outcome.stage === 'compile',
  };
}

/** Describes an execute answer with `@repo/runner-api`'s classifier: a failed compile first, then the run. */
export function describeOutcome(response: ExecuteResponse): OutcomeText {
  const outcome = classifyExecution(response);
  return toText(outcome, outcome.stage === 'compile' && response.compile ? response.compile : response.run);
}

/** The status line of an interactive session once it ended, and the alert to show beside it (or null). */
export interface SessionStatus {
  tone: Tone | 'idle';
  title: string;
  detail: string;
  usage: string;
  alert: string | null;
}

/**
 * Describes an ended interactive session: its last stage's exit read as `describeOutcome` reads an answer,
 * "Stopped" when the person stopped it, or what went wrong with the connection.
 */
export function describeSessionEnd(end: SessionEnd, stopped: boolean): SessionStatus {
  const last = end.exits.at(-1);
  const usage = last ? formatUsage(last) : '';
  const ranToTheEnd = last?.stage === 'run' && last.signal === null;
  if (stopped && !ranToTheEnd) {
    return { tone: 'idle', title: 'Stopped', detail: last?.signal ? `signal ${last.signal}` : '', usage, alert: null };
  }
  if (end.error !== null) {
    const title = end.exits.length === 0 ? 'Not run' : 'Ended by the server';
    return { tone: 'error', title, detail: '', usage, alert: `The server ended the session: ${end.error}` };
  }
  if (last) {
    const outcome = classifyStage(last, last.stage);
    // A compile that succeeded is followed by the run: ending there means the connection broke.
    if (last.stage === 'run' || outcome.kind !== 'ok') {
      const { tone, title, detail } = toText(outcome, last);
      return { tone, title, detail, usage, alert: null };
    }
  }
  if (!end.opened) {
    return {
      tone: 'error',
      title: 'Not run',
      detail: '',
      usage: '',
      alert:
        'Could not open an interactive session: the server may be unreachable, busy (every sandbox in use) or ' +
        'asking for an API key. The one-shot mode tells which.',
    };
  }
  return {
    tone: 'error',
    title: 'Connection lost',
    detail: '',
    usage,
    alert: `The connection to the server closed (code ${end.code}) before the program ended.`,
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
export function formatUsage(stage: Pick<Stage, 'wall_time' | 'cpu_time' | 'memory'>): string {
  const parts = [`wall ${formatDuration(stage.wall_time)}`];
  if (stage.cpu_time !== null) parts.push(`CPU ${formatDuration(stage.cpu_time)}`);
  if (stage.memory !== null) parts.push(`memory ${formatBytes(stage.memory)}`);
  return parts.join(' · ');
}
