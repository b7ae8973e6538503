import { classifyExecution, type ExecuteResponse, type Stage } from '@repo/runner-api';
import { describe, expect, it } from 'vitest';
import { describeOutcome, formatBytes, formatDuration, formatUsage } from './outcome.ts';

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
