import type { Stage } from './schemas.ts';

// One reading of a result for every client (the web page, the CLI, the WebSocket path), so that they never
// disagree on what a status means. It reads only what a stage carries: its status, exit code, signal and the
// server's message (which names the limit and its amount, e.g. "CPU time limit of 3000 ms exceeded").

/** How an execution, or one stage of it, ended. */
export type OutcomeKind =
  | 'ok'
  /** The compile stage failed for a reason of the user's code: the compiler's error, crash or a limit. */
  | 'compile-error'
  /** The program exited with a non-zero code. */
  | 'runtime-error'
  /** The program was killed by a signal (not a limit's). */
  | 'signal'
  | 'time-limit'
  | 'memory-limit'
  | 'output-limit'
  /** SIGXFSZ: a file written in the box grew past the file size limit. */
  | 'file-size-limit'
  /** The server's own failure (status XX), in either stage: not the user's fault. */
  | 'internal-error';

export type StageName = 'compile' | 'run';

/** The limit that stopped a stage, with its amount when the server said it (ms or bytes). */
export type LimitHit =
  | { kind: 'time'; clock: 'wall' | 'cpu' | null; ms: number | null }
  | { kind: 'memory'; bytes: number | null }
  | { kind: 'output'; stream: 'stdout' | 'stderr'; bytes: number | null }
  | { kind: 'file-size'; bytes: number | null };

/** What the classifier reads of a stage: a finished stage of an execute answer or of the WebSocket protocol. */
export type StageEnding = Pick<Stage, 'status' | 'code' | 'signal' | 'message'>;

/** What a result means, once, for every client. */
export interface ExecutionOutcome {
  kind: OutcomeKind;
  /** The stage the outcome is about: the compile stage when it failed (the program did not run), else the run. */
  stage: StageName;
  /** The limit that stopped that stage, or null. */
  limit: LimitHit | null;
  /** That stage's exit code and signal, as the server gave them. */
  exitCode: number | null;
  signal: string | null;
  /** One short line for a person, e.g. "Time limit exceeded (CPU 3 s)" or "Runtime error (exit code 1)". */
  summary: string;
}

const number = (text: string | undefined): number | null => (text === undefined ? null : Number(text));

function timeLimit(message: string | null): LimitHit {
  const said = /\b(wall|CPU) time limit(?: of (\d+(?:\.\d+)?) ms)? exceeded/i.exec(message ?? '');
  const clock = said?.[1] === undefined ? null : said[1].toLowerCase() === 'cpu' ? 'cpu' : 'wall';
  return { kind: 'time', clock, ms: number(said?.[2]) };
}

function bytesLimit(message: string | null, what: string): number | null {
  return number(new RegExp(`${what} limit of (\\d+) bytes`, 'i').exec(message ?? '')?.[1]);
}

function outputLimit(stream: 'stdout' | 'stderr', message: string | null): LimitHit {
  const bytes = number(new RegExp(`${stream} exceeded its limit of (\\d+) bytes`, 'i').exec(message ?? '')?.[1]);
  return { kind: 'output', stream, bytes };
}

/** `500 ms`, `3 s`, `1.5 s`. */
function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

/** `512 B`, `64 KiB`, `1.5 GiB`. */
function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

function limitSummary(limit: LimitHit): string {
  switch (limit.kind) {
    case 'time': {
      const clock = limit.clock === 'cpu' ? 'CPU' : limit.clock;
      if (clock === null)
        return limit.ms === null ? 'Time limit exceeded' : `Time limit exceeded (${duration(limit.ms)})`;
      return `Time limit exceeded (${clock} ${limit.ms === null ? 'time' : duration(limit.ms)})`;
    }
    case 'memory':
      return limit.bytes === null ? 'Memory limit exceeded' : `Memory limit exceeded (${size(limit.bytes)})`;
    case 'output':
      return `Output limit exceeded (${limit.stream} ${limit.bytes === null ? 'was cut' : `cut at ${size(limit.bytes)}`})`;
    case 'file-size':
      return limit.bytes === null ? 'File size limit exceeded' : `File size limit exceeded (${size(limit.bytes)})`;
  }
}

/** The server's message of an internal error, when it says more than "internal error". */
function internalDetail(message: string | null): string {
  const text = message?.trim() ?? '';
  return text === '' || /^internal error\.?$/i.test(text) ? '' : ` (${text})`;
}

/** How a stage ended, before the compile stage's own reading. */
function readStage(stage: StageEnding): Omit<ExecutionOutcome, 'stage'> {
  const { code: exitCode, signal, message } = stage;
  const base = { exitCode, signal };
  const limited = (kind: OutcomeKind, limit: LimitHit) => ({ ...base, kind, limit, summary: limitSummary(limit) });
  const killed = () =>
    signal === 'SIGXFSZ'
      ? limited('file-size-limit', { kind: 'file-size', bytes: bytesLimit(message, 'file size') })
      : {
          ...base,
          kind: 'signal' as const,
          limit: null,
          summary: `Killed by ${signal ? `signal ${signal}` : 'a signal'}`,
        };
  switch (stage.status) {
    case 'TO':
      return limited('time-limit', timeLimit(message));
    case 'ML':
      return limited('memory-limit', { kind: 'memory', bytes: bytesLimit(message, 'memory') });
    case 'OL':
      return limited('output-limit', outputLimit('stdout', message));
    case 'EL':
      return limited('output-limit', outputLimit('stderr', message));
    case 'XX':
      return {
        ...base,
        kind: 'internal-error',
        limit: null,
        summary: `Internal error of the server${internalDetail(message)}`,
      };
    case 'SG':
      return killed();
    default:
      // RE, or null (success) from a server that leaves the status out: the exit code and signal decide.
      if (exitCode === null && signal !== null) return killed();
      if (exitCode !== null && exitCode !== 0) {
        return { ...base, kind: 'runtime-error', limit: null, summary: `Runtime error (exit code ${exitCode})` };
      }
      if (stage.status === 'RE') return { ...base, kind: 'runtime-error', limit: null, summary: 'Runtime error' };
      return { ...base, kind: 'ok', limit: null, summary: 'Finished' };
  }
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * Classifies one finished stage. A failed compile stage is a `compile-error` (with its `limit` when a limit
 * stopped the compiler), except an internal error of the server (XX), which is an `internal-error` in either stage.
 */
export function classifyStage(stage: StageEnding, name: StageName): ExecutionOutcome {
  const read = readStage(stage);
  if (name === 'run' || read.kind === 'ok') return { ...read, stage: name };
  if (read.kind === 'internal-error') {
    const summary = `Internal error of the server while compiling${internalDetail(stage.message)}`;
    return { ...read, stage: name, summary };
  }
  const why =
    read.kind === 'runtime-error'
      ? stage.code === null
        ? ''
        : ` (compiler exit code ${stage.code})`
      : `: ${lowerFirst(read.summary)}`;
  return { ...read, kind: 'compile-error', stage: name, summary: `Compilation failed${why}` };
}

/** Classifies an execute answer: a compile stage that did not succeed first (the program did not run), else the run. */
export function classifyExecution(result: { run: StageEnding; compile?: StageEnding | undefined }): ExecutionOutcome {
  if (result.compile) {
    const compile = classifyStage(result.compile, 'compile');
    if (compile.kind !== 'ok') return compile;
  }
  return classifyStage(result.run, 'run');
}

/** The run stage code-runner answers for a program not run because its compile failed (the CLI's -i builds the same answer). */
export function notRunStage(): Stage {
  return {
    stdout: '',
    stderr: '',
    output: '',
    code: null,
    signal: null,
    message: 'not run: the compile stage failed',
    status: null,
    cpu_time: 0,
    wall_time: 0,
    memory: 0,
  };
}
