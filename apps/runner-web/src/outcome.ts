import type { ExecuteResponse, Stage } from '@repo/runner-api';

export type Tone = 'ok' | 'error' | 'limit';

/** A run's result in words, for the status line. */
export interface OutcomeText {
  title: string;
  /** Exit code or signal, e.g. "exit code 1" or "signal SIGKILL"; empty when there is nothing to add. */
  detail: string;
  tone: Tone;
  /** Whether the compiler's output should be shown (it failed, so the program did not run). */
  compileFailed: boolean;
}

function ending(stage: Stage): string {
  if (stage.signal) return `signal ${stage.signal}`;
  if (stage.code !== null) return `exit code ${stage.code}`;
  return '';
}

function stageText(stage: Stage): { title: string; tone: Tone } {
  switch (stage.status) {
    case 'TO':
      return { title: 'Time limit exceeded', tone: 'limit' };
    case 'ML':
      return { title: 'Memory limit exceeded', tone: 'limit' };
    case 'OL':
      return { title: 'Output limit exceeded (stdout was cut)', tone: 'limit' };
    case 'EL':
      return { title: 'Output limit exceeded (stderr was cut)', tone: 'limit' };
    case 'SG':
      return { title: `Killed by signal ${stage.signal ?? '(unknown)'}`, tone: 'error' };
    case 'XX':
      return { title: 'Internal error of the server', tone: 'error' };
    case 'RE':
      return { title: 'Runtime error', tone: 'error' };
    default:
      return stage.code === 0 ? { title: 'Finished', tone: 'ok' } : { title: 'Runtime error', tone: 'error' };
  }
}

/** Describes an execute answer: compile failure first, then how the run ended. */
export function describeOutcome(response: ExecuteResponse): OutcomeText {
  const compile = response.compile;
  if (compile && (compile.status !== null || compile.code !== 0)) {
    const why = compile.status === null || compile.status === 'RE' ? '' : `: ${stageText(compile).title.toLowerCase()}`;
    return { title: `Compilation failed${why}`, detail: ending(compile), tone: 'error', compileFailed: true };
  }
  const text = stageText(response.run);
  return { ...text, detail: ending(response.run), compileFailed: false };
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
