import type { ExecuteResponse, Stage } from '@repo/runner-api';
import { describe, expect, it } from 'vitest';
import { ExitCode, outcomeOf } from './exit-codes.ts';

function stage(over: Partial<Stage> = {}): Stage {
  return {
    stdout: '',
    stderr: '',
    output: '',
    code: 0,
    signal: null,
    message: null,
    status: null,
    cpu_time: 1,
    wall_time: 1,
    memory: 1024,
    ...over,
  };
}

function answer(run: Stage, compile?: Stage): ExecuteResponse {
  return { language: 'c++', version: '12.2.0', run, ...(compile ? { compile } : {}) };
}

describe('outcomeOf', () => {
  it("passes the program's own exit code through, with nothing to say", () => {
    expect(outcomeOf(answer(stage()))).toEqual({ exitCode: 0, notes: [] });
    expect(outcomeOf(answer(stage({ code: 3, status: 'RE' })))).toEqual({ exitCode: 3, notes: [] });
  });

  it('gives each limit its own code and its words', () => {
    expect(
      outcomeOf(answer(stage({ code: null, signal: 'SIGKILL', status: 'TO', message: 'wall time 3000 ms' }))),
    ).toEqual({ exitCode: ExitCode.timeLimit, notes: ['time limit exceeded (wall time 3000 ms)'] });
    expect(outcomeOf(answer(stage({ status: 'ML', code: null, signal: 'SIGKILL' }))).exitCode).toBe(
      ExitCode.memoryLimit,
    );
    expect(outcomeOf(answer(stage({ status: 'OL' }))).notes).toEqual(['stdout exceeded the output limit and was cut']);
    expect(outcomeOf(answer(stage({ status: 'EL' }))).exitCode).toBe(ExitCode.outputLimit);
    expect(outcomeOf(answer(stage({ status: 'XX', message: 'box broken' })))).toEqual({
      exitCode: ExitCode.serverError,
      notes: ['internal error of the server (box broken)'],
    });
  });

  it('reports a signal as 128+n like a shell', () => {
    expect(outcomeOf(answer(stage({ code: null, signal: 'SIGSEGV', status: 'SG' })))).toEqual({
      exitCode: 139,
      notes: ['killed by signal SIGSEGV'],
    });
    expect(outcomeOf(answer(stage({ code: null, signal: 'SIGKILL', status: 'SG' }))).exitCode).toBe(137);
  });

  it('reports a failed compile before anything about the run', () => {
    const compile = stage({ code: 1, status: 'RE', stderr: 'main.cpp:1: error' });
    expect(outcomeOf(answer(stage(), compile))).toEqual({
      exitCode: ExitCode.compileFailed,
      notes: ['compilation failed (compiler exit code 1)'],
    });
    const slow = stage({ code: null, signal: 'SIGKILL', status: 'TO' });
    expect(outcomeOf(answer(stage(), slow)).notes).toEqual(['compilation failed: time limit exceeded']);
  });

  it('ignores a compile stage that succeeded', () => {
    expect(outcomeOf(answer(stage({ code: 7, status: 'RE' }), stage())).exitCode).toBe(7);
  });
});
