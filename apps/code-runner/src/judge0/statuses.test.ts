import { describe, expect, it } from 'vitest';
import { okRun } from '../../test/fake-runner.ts';
import { splitWords } from './run.ts';
import { judgeRun, seconds, signalNumber, statusOfSignal, stripOutput } from './statuses.ts';

const judge = (overrides: Parameters<typeof okRun>[0], expectedOutput: string | null = null, cpuTimeLimitMs = 0) =>
  judgeRun(okRun(overrides), { expectedOutput, cpuTimeLimitMs });

describe("Judge0's judging (isolate_job.rb)", () => {
  it('ignores trailing whitespace per line and at the end, nothing else', () => {
    expect(stripOutput('a  \nb\t\n\n\n')).toBe('a\nb');
    expect(judge({ stdout: 'a \nb\n' }, 'a\nb').status_id).toBe(3);
    expect(judge({ stdout: ' a\nb\n' }, 'a\nb').status_id).toBe(4);
    expect(judge({ stdout: 'a\n\nb\n' }, 'a\nb').status_id).toBe(4);
    // No expected output: any output is accepted; an empty expected output with no output is not (nil != "").
    expect(judge({ stdout: 'x' }).status_id).toBe(3);
    expect(judge({ stdout: '' }, '').status_id).toBe(4);
  });

  it('maps signals as find_runtime_error_by_status_code', () => {
    expect([11, 25, 8, 6, 9, 15].map(statusOfSignal)).toEqual([7, 8, 9, 10, 12, 12]);
    expect(signalNumber('SIGIOT')).toBe(6);
    expect(judge({ status: 'signaled', signal: 'SIGSEGV', exitCode: null })).toMatchObject({
      status_id: 7,
      exit_code: 0,
      exit_signal: 11,
      message: 'Caught fatal signal 11',
    });
  });

  it('judges time, memory, output caps and internal failures as isolate reports them', () => {
    expect(judge({ status: 'timeout', timeout: 'wall' })).toMatchObject({
      status_id: 5,
      message: 'Time limit exceeded (wall clock)',
    });
    // Within the extra time the run ends, but over cpu_time_limit it is still TLE (isolate's -x).
    expect(judge({ cpuTimeMs: 1200 }, null, 1000).status_id).toBe(5);
    expect(judge({ cpuTimeMs: 900 }, null, 1000).status_id).toBe(3);
    expect(judge({ status: 'memory' })).toMatchObject({ status_id: 12, exit_signal: 9 });
    expect(judge({ status: 'output', outputLimit: 'stdout' })).toMatchObject({ status_id: 8, exit_signal: 25 });
    expect(judge({ status: 'internal', message: 'secret host detail' })).toMatchObject({
      status_id: 13,
      message: 'internal error',
    });
    expect(judge({ status: 'runtime-error', exitCode: 2 })).toMatchObject({ status_id: 11, exit_code: 2 });
  });

  it('writes seconds as Judge0 does', () => {
    expect([0, 2, 1000, 1500, 12.4].map(seconds)).toEqual(['0.0', '0.002', '1.0', '1.5', '0.012']);
  });

  it('splits command lines as bash would, without expansion', () => {
    expect(splitWords(` a "b c" 'd "e"' f\\ g ""`)).toEqual(['a', 'b c', 'd "e"', 'f g', '']);
  });
});
