import { describe, expect, it } from 'vitest';
import { classify, parseControl, type RunFacts } from './classify.ts';
import { defaultLimits } from './limits.ts';

type Ended = Extract<RunFacts, { kind: 'ended' }>;
const ended = (over: Partial<Ended> = {}): Ended => ({
  kind: 'ended',
  limits: defaultLimits,
  exit: { code: 0, signal: null },
  wrapped: true,
  proof: 'ran',
  control: parseControl('ran 0 0 1000 500 2048 0\n'),
  stop: null,
  outputLimit: null,
  stdout: { text: 'out', truncated: false },
  stderr: { text: '', truncated: false },
  wallTimeMs: 12.3456789,
  measured: null,
  cleanupFailure: null,
  ...over,
});

describe('parseControl', () => {
  it("reads box-init's report: exact exit or signal, CPU time and peak memory", () => {
    expect(parseControl('ran 3 0 120000 30500 65536 0\n')).toEqual({
      ran: { exitCode: 3, signal: null, cpuTimeMs: 150.5, memoryBytes: 64 * 1024 * 1024, overMemory: false },
      timesCpuMs: null,
      failure: null,
    });
    expect(parseControl('ran -1 2 10 0 900 0\n').ran).toMatchObject({ exitCode: null, signal: 'SIGINT' });
  });

  it("reads the fallback shells' `ran <status>` and `times`", () => {
    expect(parseControl('ran 137\n').ran).toEqual({
      overMemory: false,
      exitCode: null,
      signal: 'SIGKILL',
      cpuTimeMs: null,
      memoryBytes: null,
    });
    expect(parseControl('ran 2\n').ran).toMatchObject({ exitCode: 2, signal: null });
    expect(parseControl('0m0.010000s 0m0.002000s\n1m1.250000s 0m0.010000s\n').timesCpuMs).toBeCloseTo(61260);
  });

  it('reads a wrapper failure, and nothing from noise', () => {
    expect(parseControl('sandbox: cannot join cgroup\n').failure).toBe('cannot join cgroup');
    expect(parseControl('ran x\nrandom\n')).toEqual({ ran: null, timesCpuMs: null, failure: null });
  });
});

describe('classify', () => {
  it("reports an ordinary run with the waiter's figures, rounded to the microsecond", () => {
    expect(classify(ended())).toEqual({
      status: 'ok',
      exitCode: 0,
      signal: null,
      timeout: null,
      outputLimit: null,
      stdout: 'out',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      wallTimeMs: 12.346,
      cpuTimeMs: 1.5,
      memoryBytes: 2 * 1024 * 1024,
      message: null,
    });
  });

  it("prefers the cgroup's figures", () => {
    const measured = { cpuTimeMs: 40, memoryBytes: 1234, oomKilled: false };
    expect(classify(ended({ measured }))).toMatchObject({ cpuTimeMs: 40, memoryBytes: 1234 });
  });

  it("takes the program's own status from box-init: exit 130 is not SIGINT", () => {
    const own = classify(ended({ exit: { code: 130, signal: null }, control: parseControl('ran 130 0 0 0 0 0\n') }));
    expect(own).toMatchObject({ status: 'runtime-error', exitCode: 130, signal: null, message: 'exit status 130' });
    const killed = classify(ended({ exit: { code: 130, signal: null }, control: parseControl('ran -1 2 0 0 0 0\n') }));
    expect(killed).toMatchObject({ status: 'signaled', exitCode: null, signal: 'SIGINT', message: 'killed by SIGINT' });
  });

  it('orders the reasons: abort, internal, output, memory, wall, CPU, unproven, signal, exit', () => {
    const oom = { cpuTimeMs: 1, memoryBytes: 1, oomKilled: true };
    expect(classify(ended({ stop: 'aborted', outputLimit: 'stdout' })).status).toBe('aborted');
    expect(classify(ended({ stop: 'closed' })).message).toBe('the sandbox was closed');
    expect(classify(ended({ stop: 'wall', cleanupFailure: 'processes of uid 5 survive' }))).toMatchObject({
      status: 'internal',
      message: 'processes of uid 5 survive',
    });
    expect(classify(ended({ stop: 'output', outputLimit: 'stderr', measured: oom }))).toMatchObject({
      status: 'output',
      message: 'stderr exceeded its limit of 65536 bytes',
    });
    expect(classify(ended({ stop: 'wall', measured: oom })).status).toBe('memory');
    // box-init's own limit where no cgroup enforces one: it killed the namespace.
    const overMemory = parseControl('ran -1 9 1000 0 300000 1\n');
    expect(classify(ended({ control: overMemory }))).toMatchObject({
      status: 'memory',
      message: 'memory limit of 268435456 bytes exceeded',
      memoryBytes: 300000 * 1024,
    });
    expect(classify(ended({ stop: 'wall' }))).toMatchObject({ status: 'timeout', timeout: 'wall' });
    expect(classify(ended({ stop: 'cpu' }))).toMatchObject({ status: 'timeout', timeout: 'cpu' });
    const xcpu = parseControl('ran -1 24 0 0 0 0\n');
    expect(classify(ended({ control: xcpu }))).toMatchObject({ status: 'timeout', timeout: 'cpu', signal: 'SIGXCPU' });
    const hardKill = parseControl('ran -1 9 3001000 0 0 0\n');
    expect(classify(ended({ control: hardKill })).timeout).toBe('cpu');
    const xfsz = parseControl('ran -1 25 0 0 0 0\n');
    expect(classify(ended({ control: xfsz })).message).toBe('file size limit of 16777216 bytes exceeded');
  });

  it("calls a run without the waiter's report the sandbox's failure, with the last lines of stderr", () => {
    const failed = classify(
      ended({
        control: parseControl(''),
        exit: { code: 1, signal: null },
        stderr: { text: 'a\nb\nbwrap: nope\n', truncated: false },
      }),
    );
    expect(failed).toMatchObject({
      status: 'internal',
      message: 'the sandbox failed before the program ended (exit status 1): b | bwrap: nope',
    });
    const wrapper = classify(
      ended({ control: parseControl('sandbox: ulimit -p\n'), exit: { code: 125, signal: null } }),
    );
    expect(wrapper).toMatchObject({ status: 'internal', message: 'sandbox wrapper failed: ulimit -p' });
  });

  it("maps a wrapper's 128 + n to signal n where nothing better is known", () => {
    const result = classify(ended({ proof: null, control: parseControl(''), exit: { code: 137, signal: null } }));
    expect(result).toMatchObject({ status: 'signaled', signal: 'SIGKILL', exitCode: null });
    const direct = classify(
      ended({ proof: null, wrapped: false, control: parseControl(''), exit: { code: 137, signal: null } }),
    );
    expect(direct).toMatchObject({ status: 'runtime-error', exitCode: 137 });
  });

  it('makes the result of a run that never ran', () => {
    expect(classify({ kind: 'not-run', status: 'aborted', message: 'aborted before start' })).toMatchObject({
      status: 'aborted',
      exitCode: null,
      stdout: '',
      cpuTimeMs: null,
      wallTimeMs: 0,
    });
  });
});
