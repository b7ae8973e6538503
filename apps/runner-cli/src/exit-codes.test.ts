import { classifyExecution, type ExecuteResponse, type Stage } from '@repo/runner-api';
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

// code-runner's run stage when the compile stage failed (notRunStage()).
const notRun = stage({
  code: null,
  message: 'not run: the compile stage failed',
  cpu_time: 0,
  wall_time: 0,
  memory: 0,
});

describe('outcomeOf', () => {
  it("passes the program's own exit code through, with nothing to say", () => {
    expect(outcomeOf(answer(stage()))).toEqual({ exitCode: 0, notes: [] });
    expect(outcomeOf(answer(stage({ code: 3, status: 'RE' })))).toEqual({ exitCode: 3, notes: [] });
    expect(outcomeOf(answer(stage({ code: 300, status: 'RE' })))).toEqual({ exitCode: 300 & 0xff, notes: [] });
  });

  it('gives each limit its own code and its words', () => {
    const kill = { code: null, signal: 'SIGKILL' };
    expect(outcomeOf(answer(stage({ ...kill, status: 'TO', message: 'wall time limit of 3000 ms exceeded' })))).toEqual(
      { exitCode: ExitCode.timeLimit, notes: ['time limit exceeded (wall 3 s)'] },
    );
    expect(
      outcomeOf(answer(stage({ ...kill, status: 'ML', message: 'memory limit of 67108864 bytes exceeded' }))),
    ).toEqual({ exitCode: ExitCode.memoryLimit, notes: ['memory limit exceeded (64 MiB)'] });
    expect(outcomeOf(answer(stage({ status: 'OL' })))).toEqual({
      exitCode: ExitCode.outputLimit,
      notes: ['output limit exceeded (stdout was cut)'],
    });
    expect(outcomeOf(answer(stage({ status: 'EL', message: 'stderr exceeded its limit of 65536 bytes' })))).toEqual({
      exitCode: ExitCode.outputLimit,
      notes: ['output limit exceeded (stderr cut at 64 KiB)'],
    });
    expect(outcomeOf(answer(stage({ status: 'XX', code: null, message: 'the sandbox was closed' })))).toEqual({
      exitCode: ExitCode.serverError,
      notes: ['internal error of the server (the sandbox was closed)'],
    });
  });

  it('reports a signal as 128+n like a shell', () => {
    expect(outcomeOf(answer(stage({ code: null, signal: 'SIGSEGV', status: 'SG' })))).toEqual({
      exitCode: 139,
      notes: ['killed by signal SIGSEGV'],
    });
    expect(outcomeOf(answer(stage({ code: null, signal: 'SIGKILL', status: 'SG' }))).exitCode).toBe(137);
    expect(outcomeOf(answer(stage({ code: null, signal: null, status: 'SG' }))).exitCode).toBe(137);
    const xfsz = { code: null, signal: 'SIGXFSZ', status: 'SG' as const };
    expect(outcomeOf(answer(stage({ ...xfsz, message: 'file size limit of 16777216 bytes exceeded' })))).toEqual({
      exitCode: 153,
      notes: ['file size limit exceeded (16 MiB)'],
    });
  });

  it('reports a failed compile before anything about the run', () => {
    const compile = stage({ code: 1, status: 'RE', stderr: 'main.cpp:1: error' });
    expect(outcomeOf(answer(notRun, compile))).toEqual({
      exitCode: ExitCode.compileFailed,
      notes: ['compilation failed (compiler exit code 1)'],
    });
    const slow = stage({ code: null, signal: 'SIGKILL', status: 'TO' });
    expect(outcomeOf(answer(notRun, slow))).toEqual({
      exitCode: ExitCode.compileFailed,
      notes: ['compilation failed: time limit exceeded'],
    });
  });

  it("calls the compile stage's XX the server's failure (119), not a compile error, as the web page does", () => {
    const compile = stage({ code: null, status: 'XX', message: 'internal error' });
    const outcome = outcomeOf(answer(notRun, compile));
    expect(outcome).toEqual({
      exitCode: ExitCode.serverError,
      notes: ['internal error of the server while compiling'],
    });
    expect(classifyExecution(answer(notRun, compile))).toMatchObject({ kind: 'internal-error', stage: 'compile' });
    expect(outcome.notes.join(' ')).not.toMatch(/compilation failed/);
  });

  it('ignores a compile stage that succeeded', () => {
    expect(outcomeOf(answer(stage({ code: 7, status: 'RE' }), stage())).exitCode).toBe(7);
    expect(outcomeOf(answer(stage(), stage({ cached: true }))).exitCode).toBe(0);
  });
});
