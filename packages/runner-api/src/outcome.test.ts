import { describe, expect, it } from 'vitest';
import { classifyExecution, classifyStage, type ExecutionOutcome, type StageEnding } from './outcome.ts';
import type { Stage, StageStatus } from './schemas.ts';

function stage(over: Partial<Stage> = {}): Stage {
  return {
    stdout: '',
    stderr: '',
    output: '',
    code: 0,
    signal: null,
    message: null,
    status: null,
    cpu_time: 10,
    wall_time: 12,
    memory: 1024,
    ...over,
  };
}

const killed = { code: null, signal: 'SIGKILL' };

// The stages code-runner answers with (apps/code-runner/src/stage.ts and the sandbox's messages).
const endings: Record<StageStatus | 'null', StageEnding> = {
  null: { status: null, code: 0, signal: null, message: null },
  RE: { status: 'RE', code: 1, signal: null, message: 'exit status 1' },
  SG: { status: 'SG', code: null, signal: 'SIGSEGV', message: 'killed by SIGSEGV' },
  TO: { status: 'TO', ...killed, message: 'CPU time limit of 3000 ms exceeded' },
  ML: { status: 'ML', ...killed, message: 'memory limit of 268435456 bytes exceeded' },
  OL: { status: 'OL', ...killed, message: 'stdout exceeded its limit of 65536 bytes' },
  EL: { status: 'EL', ...killed, message: 'stderr exceeded its limit of 65536 bytes' },
  XX: { status: 'XX', code: null, signal: null, message: 'internal error' },
};

type Expected = Omit<ExecutionOutcome, 'stage' | 'exitCode' | 'signal'>;

const runCases: Record<keyof typeof endings, Expected> = {
  null: { kind: 'ok', limit: null, summary: 'Finished' },
  RE: { kind: 'runtime-error', limit: null, summary: 'Runtime error (exit code 1)' },
  SG: { kind: 'signal', limit: null, summary: 'Killed by signal SIGSEGV' },
  TO: {
    kind: 'time-limit',
    limit: { kind: 'time', clock: 'cpu', ms: 3000 },
    summary: 'Time limit exceeded (CPU 3 s)',
  },
  ML: {
    kind: 'memory-limit',
    limit: { kind: 'memory', bytes: 256 * 1024 * 1024 },
    summary: 'Memory limit exceeded (256 MiB)',
  },
  OL: {
    kind: 'output-limit',
    limit: { kind: 'output', stream: 'stdout', bytes: 65536 },
    summary: 'Output limit exceeded (stdout cut at 64 KiB)',
  },
  EL: {
    kind: 'output-limit',
    limit: { kind: 'output', stream: 'stderr', bytes: 65536 },
    summary: 'Output limit exceeded (stderr cut at 64 KiB)',
  },
  XX: { kind: 'internal-error', limit: null, summary: 'Internal error of the server' },
};

const compileCases: Record<keyof typeof endings, Expected> = {
  null: { kind: 'ok', limit: null, summary: 'Finished' },
  RE: { kind: 'compile-error', limit: null, summary: 'Compilation failed (compiler exit code 1)' },
  SG: { kind: 'compile-error', limit: null, summary: 'Compilation failed: killed by signal SIGSEGV' },
  TO: {
    kind: 'compile-error',
    limit: { kind: 'time', clock: 'cpu', ms: 3000 },
    summary: 'Compilation failed: time limit exceeded (CPU 3 s)',
  },
  ML: {
    kind: 'compile-error',
    limit: { kind: 'memory', bytes: 256 * 1024 * 1024 },
    summary: 'Compilation failed: memory limit exceeded (256 MiB)',
  },
  OL: {
    kind: 'compile-error',
    limit: { kind: 'output', stream: 'stdout', bytes: 65536 },
    summary: 'Compilation failed: output limit exceeded (stdout cut at 64 KiB)',
  },
  EL: {
    kind: 'compile-error',
    limit: { kind: 'output', stream: 'stderr', bytes: 65536 },
    summary: 'Compilation failed: output limit exceeded (stderr cut at 64 KiB)',
  },
  XX: { kind: 'internal-error', limit: null, summary: 'Internal error of the server while compiling' },
};

describe('classifyStage', () => {
  describe.each(Object.entries(runCases))('a run stage with status %s', (status, expected) => {
    const ending = endings[status as keyof typeof endings];
    it(`is ${expected.kind}: "${expected.summary}"`, () => {
      expect(classifyStage(ending, 'run')).toEqual({
        ...expected,
        stage: 'run',
        exitCode: ending.code,
        signal: ending.signal,
      });
    });
  });

  describe.each(Object.entries(compileCases))('a compile stage with status %s', (status, expected) => {
    const ending = endings[status as keyof typeof endings];
    it(`is ${expected.kind}: "${expected.summary}"`, () => {
      expect(classifyStage(ending, 'compile')).toEqual({
        ...expected,
        stage: 'compile',
        exitCode: ending.code,
        signal: ending.signal,
      });
    });
  });

  it.each([
    [
      'wall time limit of 500 ms exceeded',
      { kind: 'time', clock: 'wall', ms: 500 },
      'Time limit exceeded (wall 500 ms)',
    ],
    ['CPU time limit of 1500 ms exceeded', { kind: 'time', clock: 'cpu', ms: 1500 }, 'Time limit exceeded (CPU 1.5 s)'],
    ['wall time limit exceeded', { kind: 'time', clock: 'wall', ms: null }, 'Time limit exceeded (wall time)'],
    [null, { kind: 'time', clock: null, ms: null }, 'Time limit exceeded'],
  ])('reads which clock ran out from the message %j', (message, limit, summary) => {
    expect(classifyStage({ status: 'TO', ...killed, message }, 'run')).toMatchObject({
      kind: 'time-limit',
      limit,
      summary,
    });
  });

  it('says a limit without its amount when the server does not give it (as Piston does not)', () => {
    expect(classifyStage({ status: 'ML', ...killed, message: null }, 'run')).toMatchObject({
      limit: { kind: 'memory', bytes: null },
      summary: 'Memory limit exceeded',
    });
    expect(classifyStage({ status: 'OL', code: 0, signal: null, message: 'Killed' }, 'run')).toMatchObject({
      limit: { kind: 'output', stream: 'stdout', bytes: null },
      summary: 'Output limit exceeded (stdout was cut)',
    });
  });

  it('calls SIGXFSZ the file size limit, in the run and the compile stage', () => {
    const xfsz = { status: 'SG', code: null, signal: 'SIGXFSZ', message: 'file size limit of 16777216 bytes exceeded' };
    expect(classifyStage({ ...xfsz, status: 'SG' }, 'run')).toEqual({
      kind: 'file-size-limit',
      stage: 'run',
      limit: { kind: 'file-size', bytes: 16 * 1024 * 1024 },
      exitCode: null,
      signal: 'SIGXFSZ',
      summary: 'File size limit exceeded (16 MiB)',
    });
    expect(classifyStage({ ...xfsz, status: 'SG' }, 'compile')).toMatchObject({
      kind: 'compile-error',
      limit: { kind: 'file-size', bytes: 16 * 1024 * 1024 },
      summary: 'Compilation failed: file size limit exceeded (16 MiB)',
    });
  });

  it('reads a stage without a status (older Piston servers) from its exit code and signal', () => {
    expect(classifyStage({ status: null, code: 2, signal: null, message: null }, 'run')).toMatchObject({
      kind: 'runtime-error',
      summary: 'Runtime error (exit code 2)',
    });
    expect(classifyStage({ status: null, code: null, signal: 'SIGABRT', message: null }, 'run')).toMatchObject({
      kind: 'signal',
      summary: 'Killed by signal SIGABRT',
    });
    expect(classifyStage({ status: 'SG', code: null, signal: null, message: null }, 'run').summary).toBe(
      'Killed by a signal',
    );
    expect(classifyStage({ status: null, code: 1, signal: null, message: null }, 'compile')).toMatchObject({
      kind: 'compile-error',
      summary: 'Compilation failed (compiler exit code 1)',
    });
  });

  it('keeps an internal error\'s message when it says more than "internal error"', () => {
    const closed = { status: 'XX', code: null, signal: null, message: 'the sandbox was closed' } as const;
    expect(classifyStage(closed, 'run').summary).toBe('Internal error of the server (the sandbox was closed)');
    expect(classifyStage(closed, 'compile').summary).toBe(
      'Internal error of the server while compiling (the sandbox was closed)',
    );
  });
});

describe('classifyExecution', () => {
  // What code-runner answers when the compile stage fails: the run stage is a placeholder (notRunStage()).
  const notRun = stage({ code: null, message: 'not run: the compile stage failed', wall_time: 0 });
  const answer = (run: Stage, compile?: Stage) => ({
    language: 'c',
    version: '12.2.0',
    run,
    ...(compile ? { compile } : {}),
  });

  it('classifies the run of an interpreted language', () => {
    expect(classifyExecution(answer(stage({ status: 'RE', code: 3 })))).toMatchObject({
      kind: 'runtime-error',
      stage: 'run',
      exitCode: 3,
    });
  });

  it('puts a failed compile first: the program did not run', () => {
    const compile = stage({ status: 'RE', code: 1, stderr: 'main.c:1: error' });
    expect(classifyExecution(answer(notRun, compile))).toMatchObject({
      kind: 'compile-error',
      stage: 'compile',
      summary: 'Compilation failed (compiler exit code 1)',
    });
  });

  it("calls the compile stage's XX an internal error of the server, not the user's compile error", () => {
    const compile = stage({ status: 'XX', code: null, message: 'internal error' });
    expect(classifyExecution(answer(notRun, compile))).toEqual({
      kind: 'internal-error',
      stage: 'compile',
      limit: null,
      exitCode: null,
      signal: null,
      summary: 'Internal error of the server while compiling',
    });
  });

  it('passes over a compile stage that succeeded, from the cache too', () => {
    const compile = stage({ cached: true, wall_time: 0 });
    expect(classifyExecution(answer(stage({ status: 'TO', ...killed }), compile))).toMatchObject({
      kind: 'time-limit',
      stage: 'run',
    });
    expect(classifyExecution(answer(stage(), compile))).toMatchObject({
      kind: 'ok',
      stage: 'run',
      summary: 'Finished',
    });
  });
});
