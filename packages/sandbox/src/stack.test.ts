// `limits.stackBytes`: RLIMIT_STACK, soft and hard, on the cold path (the wrapper's `ulimit -s`) and the warm
// one (warm-box sets it in each run's child), at every level; without it a run keeps the server's own.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import { buildCommand, type CommandPlan, warmRequest } from './command.ts';
import { SandboxOptionError } from './errors.ts';
import { defaultLimits, limitBounds, maxArgBytes, maxExecBytes, type RunLimits, resolveLimits } from './limits.ts';
import {
  expectNothingLeft,
  expectRunsOnItsPath,
  hasGcc,
  levels,
  makeSandbox,
  requireLevel,
  sharedCProgram,
  type TestSandbox,
} from './test-support.ts';

const MiB = 1024 * 1024;

describe('limits.stackBytes', () => {
  it('is at least 8 MiB: a quarter of it is what exec() gives argv and env, twice maxExecBytes', () => {
    expect(limitBounds.stackBytes.min).toBe(8 * maxExecBytes);
    expect(() => resolveLimits({ stackBytes: 8 * MiB - 1 })).toThrow(
      new SandboxOptionError('Expected `limits.stackBytes` to be an integer >= 8388608, got `8388607` (number)'),
    );
    expect(resolveLimits({})).not.toHaveProperty('stackBytes');
  });

  it('reaches the wrapper and the warm request as the same whole KiB', () => {
    const plan: CommandPlan = {
      argv: ['./main'],
      box: { dir: '/w/box-0', uid: 60000 },
      cwd: '/w/box-0',
      limits: { ...defaultLimits, stackBytes: 64 * MiB + 1000 },
      env: {},
      readOnlyPaths: [],
      cgroup: null,
      bwrap: null,
      init: '/w/box-init',
      setpriv: null,
      stdin: false,
      otherTasks: 0,
    };
    const script = buildCommand(plan).request.args[1];
    expect(script).toContain("ulimit -s 65536 || f 'ulimit -s'");
    expect(buildCommand({ ...plan, limits: defaultLimits }).request.args[1]).not.toContain('ulimit -s');
    // TMP NOFILE FSIZE CPU DATA STACK CWD ...: warm-box.c reads the stack sixth, -1 leaving the box's own.
    const stackOf = (limits: RunLimits) =>
      warmRequest({ ...plan, limits, cgroup: true, into: '' })
        .toString()
        .split('\0')[5];
    expect(stackOf(plan.limits)).toBe(String(64 * MiB));
    expect(stackOf(defaultLimits)).toBe('-1');
  });
});

// 200000 frames of ~220 bytes (a volatile array read after the call: no tail call, nothing optimised away):
// ~45 MB of stack, past the usual 8 MiB.
const deepSource = `#include <stdio.h>
__attribute__((noinline)) static int deep(int n) {
  volatile char frame[200];
  frame[0] = (char)n;
  return n == 0 ? 0 : deep(n - 1) + frame[0];
}
int main(void) {
  volatile int sum = deep(200000);
  (void)sum;
  puts("returned");
  return 0;
}
`;

// Compiled once, outside the boxes, bound read-only (into the warm boxes as well).
const { dir: tools, build: deep } = sharedCProgram('deep', deepSource);

/** The soft and hard stack limits of this process (in KiB, as `ulimit` prints them): what runs inherit. */
const inherited = execFileSync('/bin/sh', ['-c', 'ulimit -s; ulimit -Hs'], { encoding: 'utf8' });

const variants = levels.flatMap(({ level, disable }) =>
  (level === 'basic' ? [false] : [true, false]).map((warm) => ({ level, disable, warm })),
);

describe.each(variants)('the stack limit at level $level (warm: $warm)', (variant) => {
  let t: TestSandbox;
  let box: Box;

  beforeAll(async () => {
    t = await makeSandbox(variant.disable, 1, { warm: variant.warm });
    t.sandbox.setWarmPaths([tools]);
    box = await t.sandbox.createBox(0);
    const { runPath } = t.sandbox.isolation;
    console.info(`[sandbox test] warm: ${variant.warm}: run path ${runPath.kind} (${runPath.detail})`);
  });

  afterEach(async () => {
    await expectNothingLeft(box);
  });

  afterAll(async () => {
    if (t) expectRunsOnItsPath(t.sandbox);
    await t?.cleanup();
  });

  const limits = (stackBytes?: number) => ({ wallTimeMs: 10_000, ...(stackBytes ? { stackBytes } : {}) });
  /** `ulimit -s` and `ulimit -Hs` as the run sees them. */
  const stackOfRun = (stackBytes?: number) =>
    t.sandbox.run({ box, argv: ['sh', '-c', 'ulimit -s; ulimit -Hs'], limits: limits(stackBytes) });

  it(`takes the ${variant.warm ? 'warm' : 'cold'} path`, (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    const { runPath } = t.sandbox.isolation;
    expect(runPath.kind, runPath.detail).toBe(variant.warm && hasGcc() ? 'warm' : 'cold');
  });

  it('sets the soft and hard limit to stackBytes, in whole KiB', async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    expect(await stackOfRun(64 * MiB)).toMatchObject({ status: 'ok', stdout: '65536\n65536\n', stderr: '' });
    expect(await stackOfRun(16 * MiB + 1000)).toMatchObject({ status: 'ok', stdout: '16384\n16384\n', stderr: '' });
  });

  it("leaves a run without stackBytes the server's own, also after a run with one", async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    expect(await stackOfRun()).toMatchObject({ status: 'ok', stdout: inherited, stderr: '' });
    // A warm box's init sets each run's limit in the run alone: neither a raised nor a lowered hard limit stays.
    for (const [stackBytes, expected] of [
      [128 * MiB, '131072\n131072\n'],
      [undefined, inherited],
      [8 * MiB, '8192\n8192\n'],
      [undefined, inherited],
      [32 * MiB, '32768\n32768\n'],
    ] as const) {
      expect(await stackOfRun(stackBytes), `stackBytes ${stackBytes}`).toMatchObject({
        status: 'ok',
        stdout: expected,
      });
      await box.reset();
    }
  });

  it('lets a recursion 45 MB deep return under 64 MiB, and ends it with SIGSEGV under 8 MiB', async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    const program = await deep(ctx);
    const run = (stackBytes: number) =>
      t.sandbox.run({ box, argv: [program], readOnlyPaths: [tools], limits: limits(stackBytes) });
    expect(await run(64 * MiB)).toMatchObject({ status: 'ok', stdout: 'returned\n' });
    expect(await run(8 * MiB)).toMatchObject({ status: 'signaled', signal: 'SIGSEGV', stdout: '' });
  });

  it('still execs a program with the most argv and env under the least stack', async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    // sh -c 'echo $#' sh, then arguments that fill maxExecBytes exactly (each string with its NUL).
    const head: [string, ...string[]] = ['sh', '-c', 'echo $#', 'sh'];
    let room = maxExecBytes - head.reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
    const args: string[] = [];
    while (room > 1) {
      const length = Math.min(maxArgBytes, room - 1);
      args.push('x'.repeat(length));
      room -= length + 1;
    }
    const result = await t.sandbox.run({
      box,
      argv: [...head, ...args],
      limits: limits(limitBounds.stackBytes.min),
    });
    expect(result).toMatchObject({ status: 'ok', stdout: `${args.length}\n`, stderr: '' });
  });
});
