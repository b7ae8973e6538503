import type { ExecuteResponse, Stage } from '@repo/runner-api';
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

  it('names every status in words', () => {
    const kill = { code: null, signal: 'SIGKILL' };
    expect(describeOutcome(answer(stage({ status: 'RE', code: 2 })))).toMatchObject({
      title: 'Runtime error',
      detail: 'exit code 2',
    });
    expect(describeOutcome(answer(stage({ status: 'TO', ...kill })))).toMatchObject({
      title: 'Time limit exceeded',
      detail: 'signal SIGKILL',
      tone: 'limit',
    });
    expect(describeOutcome(answer(stage({ status: 'ML', ...kill }))).title).toBe('Memory limit exceeded');
    expect(describeOutcome(answer(stage({ status: 'OL' }))).title).toBe('Output limit exceeded (stdout was cut)');
    expect(describeOutcome(answer(stage({ status: 'EL' }))).title).toBe('Output limit exceeded (stderr was cut)');
    expect(describeOutcome(answer(stage({ status: 'SG', ...kill }))).title).toBe('Killed by signal SIGKILL');
    expect(describeOutcome(answer(stage({ status: 'XX' }))).title).toBe('Internal error of the server');
  });

  it('puts a failed compile first, with the reason when it was a limit', () => {
    expect(describeOutcome(answer(stage(), stage({ status: 'RE', code: 1 })))).toEqual({
      title: 'Compilation failed',
      detail: 'exit code 1',
      tone: 'error',
      compileFailed: true,
    });
    expect(describeOutcome(answer(stage(), stage({ status: 'TO', code: null, signal: 'SIGKILL' }))).title).toBe(
      'Compilation failed: time limit exceeded',
    );
    expect(describeOutcome(answer(stage({ status: 'RE', code: 3 }), stage())).title).toBe('Runtime error');
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
