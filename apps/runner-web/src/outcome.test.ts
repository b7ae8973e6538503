import { classifyExecution, type ExecuteResponse, type Stage } from '@repo/runner-api';
import { describe, expect, it } from 'vitest';
import { describeOutcome, describeSessionEnd, formatBytes, formatDuration, formatUsage } from './outcome.ts';
import type { SessionEnd, StageExit } from './session.ts';

function stage(over: Partial<Stage> = {}): Stage {
  return {
    stdout: '',
    stderr: '',
    output: '',
    code: 0,
    signal: null,
    message: null,
    status: null,
    cpu_time: 40,
    wall_time: 55,
    memory: 9 * 1024 * 1024,
    ...over,
  };
}

// code-runner's run stage when the compile stage failed (notRunStage()).
const notRun = stage({
  code: null,
  message: 'not run: the compile stage failed',
  cpu_time: 0,
  wall_time: 0,
  memory: 0,
});

const answer = (run: Stage, compile?: Stage): ExecuteResponse => ({
  language: 'c++',
  version: '12.2.0',
  run,
  ...(compile ? { compile } : {}),
});

describe('describeOutcome', () => {
  it('calls a clean exit "Finished" with its exit code', () => {
    expect(describeOutcome(answer(stage()))).toEqual({
      title: 'Finished',
      detail: 'exit code 0',
      tone: 'ok',
      compileFailed: false,
    });
  });

  it('names every status in words, with the limit the server gave', () => {
    const kill = { code: null, signal: 'SIGKILL' };
    expect(describeOutcome(answer(stage({ status: 'RE', code: 2 })))).toEqual({
      title: 'Runtime error (exit code 2)',
      detail: '',
      tone: 'error',
      compileFailed: false,
    });
    expect(
      describeOutcome(answer(stage({ status: 'TO', ...kill, message: 'wall time limit of 3000 ms exceeded' }))),
    ).toEqual({
      title: 'Time limit exceeded (wall 3 s)',
      detail: 'signal SIGKILL',
      tone: 'limit',
      compileFailed: false,
    });
    expect(describeOutcome(answer(stage({ status: 'ML', ...kill })))).toMatchObject({
      title: 'Memory limit exceeded',
      tone: 'limit',
    });
    expect(describeOutcome(answer(stage({ status: 'OL' }))).title).toBe('Output limit exceeded (stdout was cut)');
    expect(describeOutcome(answer(stage({ status: 'EL' }))).title).toBe('Output limit exceeded (stderr was cut)');
    expect(describeOutcome(answer(stage({ status: 'SG', ...kill })))).toMatchObject({
      title: 'Killed by signal SIGKILL',
      detail: '',
      tone: 'error',
    });
    expect(describeOutcome(answer(stage({ status: 'XX', code: null })))).toMatchObject({
      title: 'Internal error of the server',
      tone: 'error',
      compileFailed: false,
    });
  });

  it('puts a failed compile first, with the reason when it was a limit', () => {
    expect(describeOutcome(answer(notRun, stage({ status: 'RE', code: 1 })))).toEqual({
      title: 'Compilation failed (compiler exit code 1)',
      detail: '',
      tone: 'error',
      compileFailed: true,
    });
    expect(describeOutcome(answer(notRun, stage({ status: 'TO', code: null, signal: 'SIGKILL' })))).toMatchObject({
      title: 'Compilation failed: time limit exceeded',
      detail: 'signal SIGKILL',
      compileFailed: true,
    });
    expect(describeOutcome(answer(stage({ status: 'RE', code: 3 }), stage())).title).toBe(
      'Runtime error (exit code 3)',
    );
  });

  it("calls the compile stage's XX the server's internal error, as the CLI does (exit code 119)", () => {
    const compile = stage({ status: 'XX', code: null, message: 'internal error' });
    const outcome = describeOutcome(answer(notRun, compile));
    expect(outcome).toEqual({
      title: 'Internal error of the server while compiling',
      detail: '',
      tone: 'error',
      // The program did not run: the compile stage is the one to show.
      compileFailed: true,
    });
    expect(outcome.title).toBe(classifyExecution(answer(notRun, compile)).summary);
    expect(outcome.title).not.toMatch(/compilation failed/i);
  });
});

describe('formatting', () => {
  it('shows durations in ms below a second and in seconds above', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1250)).toBe('1.25 s');
  });

  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12.4 * 1024)).toBe('12.4 KiB');
    expect(formatBytes(31 * 1024 * 1024)).toBe('31.0 MiB');
  });

  it('leaves out what the server could not measure', () => {
    expect(formatUsage(stage())).toBe('wall 55 ms · CPU 40 ms · memory 9.0 MiB');
    expect(formatUsage(stage({ cpu_time: null, memory: null }))).toBe('wall 55 ms');
  });
});

describe('describeSessionEnd', () => {
  const exit = (over: Partial<StageExit> = {}): StageExit => ({
    stage: 'run',
    code: 0,
    signal: null,
    status: null,
    message: null,
    cpu_time: 40,
    wall_time: 55,
    memory: 9 * 1024 * 1024,
    ...over,
  });
  const ended = (over: Partial<SessionEnd> = {}): SessionEnd => ({
    opened: true,
    exits: [exit()],
    error: null,
    code: 4999,
    ...over,
  });
  const usage = 'wall 55 ms · CPU 40 ms · memory 9.0 MiB';

  it('reads the last exit as the one-shot answer is read', () => {
    expect(describeSessionEnd(ended(), false)).toEqual({
      tone: 'ok',
      title: 'Finished',
      detail: 'exit code 0',
      usage,
      alert: null,
    });
    const flood = exit({
      code: null,
      signal: 'SIGKILL',
      status: 'OL',
      message: 'stdout exceeded its limit of 65536 bytes',
    });
    expect(describeSessionEnd(ended({ exits: [flood] }), false)).toMatchObject({
      tone: 'limit',
      title: 'Output limit exceeded (stdout cut at 64 KiB)',
    });
  });

  it('names a failed compile (no run stage followed)', () => {
    const compile = exit({ stage: 'compile', code: 1, status: 'RE', message: 'exited with code 1' });
    expect(describeSessionEnd(ended({ exits: [compile] }), false)).toMatchObject({
      tone: 'error',
      title: 'Compilation failed (compiler exit code 1)',
      usage,
    });
  });

  it('says "Stopped" when the person stopped it, unless the program had already ended by itself', () => {
    const killed = exit({ code: null, signal: 'SIGKILL', status: 'XX', message: 'internal error' });
    expect(describeSessionEnd(ended({ exits: [killed] }), true)).toEqual({
      tone: 'idle',
      title: 'Stopped',
      detail: 'signal SIGKILL',
      usage,
      alert: null,
    });
    expect(describeSessionEnd(ended({ exits: [], code: 1000 }), true)).toMatchObject({ title: 'Stopped', detail: '' });
    expect(describeSessionEnd(ended(), true)).toMatchObject({ title: 'Finished' });
  });

  it("shows the server's error, and what went wrong with the connection", () => {
    expect(
      describeSessionEnd(ended({ exits: [], error: 'python-9.9.9 runtime is unknown', code: 4002 }), false),
    ).toEqual({
      tone: 'error',
      title: 'Not run',
      detail: '',
      usage: '',
      alert: 'The server ended the session: python-9.9.9 runtime is unknown',
    });
    expect(describeSessionEnd(ended({ error: 'the session was idle for 60 s', code: 4002 }), false)).toMatchObject({
      title: 'Ended by the server',
    });
    expect(describeSessionEnd(ended({ opened: false, exits: [], code: 1006 }), false)).toMatchObject({
      title: 'Not run',
      alert: expect.stringMatching(/^Could not open an interactive session: .*busy/),
    });
    const compiled = exit({ stage: 'compile' });
    expect(describeSessionEnd(ended({ exits: [compiled], code: 1006 }), false)).toMatchObject({
      title: 'Connection lost',
      alert: 'The connection to the server closed (code 1006) before the program ended.',
    });
  });
});
