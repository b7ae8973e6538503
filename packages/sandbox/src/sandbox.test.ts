import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxBusyError, IsolationUnavailableError, SandboxOptionError } from './errors.ts';
import { pidsOfUid } from './procs.ts';
import { Sandbox } from './sandbox.ts';
import {
  expectNothingLeft,
  levels,
  makeSandbox,
  readPromises,
  requireGcc,
  requireLevel,
  skipOrFail,
  type TestSandbox,
} from './test-support.ts';

describe.each(levels)('at level $level', ({ level, disable }) => {
  let t: TestSandbox;

  beforeAll(async () => {
    t = await makeSandbox(disable);
  });
  afterAll(() => t?.cleanup());

  it('runs a command with stdin, args and a scrubbed environment', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    process.env.SANDBOX_TEST_SECRET = 'server-secret';
    const box = await t.sandbox.createBox(0);
    const result = await t.sandbox.run({
      box,
      argv: ['sh', '-c', 'cat; echo "$1"; env | sort', 'sh', 'arg one'],
      stdin: 'from stdin\n',
      env: { EXTRA: 'yes' },
    });
    delete process.env.SANDBOX_TEST_SECRET;
    expect(result.status).toBe('ok');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('from stdin\narg one\n');
    expect(result.stdout).toContain('EXTRA=yes');
    // Inside a mount namespace the box is always /box; without one it is the box's host path.
    const home = level === 'basic' ? box.dir : '/box';
    expect(t.sandbox.isolation.boxPath).toBe(level === 'basic' ? null : '/box');
    expect(result.stdout).toContain(`HOME=${home}\n`);
    expect(result.stdout).toContain(`PWD=${home}\n`);
    expect(result.stdout).not.toContain('server-secret');
    expect(result.wallTimeMs).toBeGreaterThan(0);
    // From the cgroup at level full, from box-init's rusage of the waited processes below it.
    expect(result.cpuTimeMs).not.toBeNull();
    expect(result.memoryBytes).toBeGreaterThan(0);
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('reports exit codes and signals', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(1);
    const failed = await t.sandbox.run({ box, argv: ['sh', '-c', 'echo oops >&2; exit 3'] });
    expect(failed).toMatchObject({ status: 'runtime-error', exitCode: 3, signal: null, stderr: 'oops\n' });
    const killed = await t.sandbox.run({ box, argv: ['sh', '-c', 'kill -SEGV $$'] });
    expect(killed).toMatchObject({ status: 'signaled', exitCode: null, signal: 'SIGSEGV' });
    // abort() raises signal 6, which Node also calls SIGIOT.
    const aborted = await t.sandbox.run({ box, argv: ['sh', '-c', 'kill -ABRT $$'] });
    expect(aborted).toMatchObject({
      status: 'signaled',
      exitCode: null,
      signal: 'SIGABRT',
      message: 'killed by SIGABRT',
    });
    const missing = await t.sandbox.run({ box, argv: ['no-such-program'] });
    expect(missing.status).toBe('runtime-error');
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('stops at the wall time and at the CPU time, saying which', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(2);
    const sleeper = await t.sandbox.run({ box, argv: ['sleep', '30'], limits: { wallTimeMs: 300 } });
    expect(sleeper).toMatchObject({ status: 'timeout', timeout: 'wall' });
    const spinner = await t.sandbox.run({
      box,
      argv: ['sh', '-c', 'while :; do :; done'],
      limits: { cpuTimeMs: 300, wallTimeMs: 20_000 },
    });
    expect(spinner).toMatchObject({ status: 'timeout', timeout: 'cpu' });
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('caps output and kills no process it should not', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(3);
    const result = await t.sandbox.run({
      box,
      argv: ['sh', '-c', 'sleep 1000 & yes'],
      limits: { stdoutBytes: 1000 },
    });
    expect(result).toMatchObject({ status: 'output', outputLimit: 'stdout', stdoutTruncated: true });
    expect(result.stdout.length).toBe(1000);
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('keeps the box between two runs (compile then run)', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    requireGcc(ctx);
    const box = await t.sandbox.createBox(0);
    writeFileSync(path.join(box.dir, 'main.c'), '#include <stdio.h>\nint main(){puts("compiled");return 0;}\n');
    const compile = await t.sandbox.run({
      box,
      argv: ['gcc', '-o', 'main', 'main.c'],
      limits: { wallTimeMs: 30_000, cpuTimeMs: 30_000, memoryBytes: 512 * 1024 * 1024 },
    });
    expect(compile.stderr).toBe('');
    expect(compile.status).toBe('ok');
    const run = await t.sandbox.run({ box, argv: ['./main'] });
    expect(run).toMatchObject({ status: 'ok', stdout: 'compiled\n' });
    await expectNothingLeft(box);
    await box.destroy();
  });
});

describe('Sandbox', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await makeSandbox();
  });
  afterAll(() => t?.cleanup());

  it('reports the level and why a layer is missing', () => {
    const { isolation } = t.sandbox;
    expect(['basic', 'namespaces', 'full']).toContain(isolation.level);
    expect(isolation.layers.process.available).toBe(true);
    for (const layer of Object.values(isolation.layers)) expect(layer.detail).not.toBe('');
  });

  it('reaches the isolation level the environment promises (EXPECT_ISOLATION)', (ctx) => {
    const promised = readPromises().isolation;
    if (promised === undefined) skipOrFail(ctx, 'a promised level: EXPECT_ISOLATION is not set', undefined);
    requireLevel(ctx, t.sandbox, promised);
  });

  it('passes its self-test', async () => {
    await t.sandbox.selfTest();
  });

  it('gives the full level when the host allows it and refuses it when a layer is disabled', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'full');
    const full = await Sandbox.create({ workRoot: path.join(t.workRoot, 'full'), requireLevel: 'full' });
    expect(full.isolation.level).toBe('full');
    await full.close();
    await expect(
      Sandbox.create({ workRoot: path.join(t.workRoot, 'weak'), requireLevel: 'full', disable: ['cgroups'] }),
    ).rejects.toThrow(IsolationUnavailableError);
  });

  it("reports each run's own peak memory and gives it its whole limit, whatever earlier runs left", async (ctx) => {
    requireLevel(ctx, t.sandbox, 'full'); // the memory cgroup gives the peak
    const MiB = 1024 * 1024;
    const box = await t.sandbox.createBox(3);
    const writer = await t.sandbox.run({
      box,
      argv: ['sh', '-c', 'head -c 50000000 /dev/zero > big; cat /usr/bin/* > /dev/null 2>&1; true'],
      // Reading all of /usr/bin (every toolchain's) can take a while on a loaded machine.
      limits: { fileSizeBytes: 64 * MiB, wallTimeMs: 30_000, cpuTimeMs: 30_000 },
    });
    expect(writer.status).toBe('ok');
    expect(writer.memoryBytes).toBeGreaterThan(45 * MiB); // the box's tmpfs pages are the writer's own memory
    const kept = await t.sandbox.run({ box, argv: ['sh', '-c', 'echo hi'] });
    expect(kept).toMatchObject({ status: 'ok', stdout: 'hi\n' });
    expect(kept.memoryBytes).toBeLessThan(20 * MiB);
    await box.reset();
    const small = await t.sandbox.run({ box, argv: ['sh', '-c', 'echo hi'] });
    expect(small).toMatchObject({ status: 'ok', stdout: 'hi\n' });
    expect(small.memoryBytes).toBeGreaterThan(0);
    expect(small.memoryBytes).toBeLessThan(20 * MiB);
    const big = await t.sandbox.run({
      box,
      argv: ['python3', '-c', "b = b'x' * (200 << 20); print(len(b) >> 20)"],
      limits: { memoryBytes: 256 * MiB },
    });
    expect(big).toMatchObject({ status: 'ok', stdout: '200\n' });
    expect(big.memoryBytes).toBeGreaterThan(200 * MiB);
    expect(big.memoryBytes).toBeLessThanOrEqual(256 * MiB);
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('lets two sandboxes share a workRoot and a baseUid without harming each other', async () => {
    const workRoot = path.join(t.workRoot, 'shared');
    const baseUid = 1_800_000_000 + (process.pid % 10_000) * 100;
    const one = await Sandbox.create({ workRoot, boxes: 2, baseUid });
    const two = await Sandbox.create({ workRoot, boxes: 2, baseUid });
    try {
      expect(one.dir).not.toBe(two.dir);
      if (one.isolation.root) {
        expect(one.baseUid).toBe(baseUid);
        expect(two.baseUid).toBeGreaterThanOrEqual(baseUid + 3); // 2 boxes + the self-test box
        expect(two.isolation.layers.uid.detail).toMatch(/baseUid \d+ was taken/);
      }
      const boxOne = await one.createBox(0);
      const boxTwo = await two.createBox(0);
      expect(boxOne.dir).not.toBe(boxTwo.dir);
      if (boxOne.uid !== null) expect(boxOne.uid).not.toBe(boxTwo.uid);
      // A long run in one while the other runs, resets, self-tests and closes.
      const long = one.run({
        box: boxOne,
        argv: ['sh', '-c', 'sleep 1; cat /etc/passwd > /dev/null && echo survived'],
      });
      const short = await two.run({ box: boxTwo, argv: ['sh', '-c', 'echo two'] });
      expect(short).toMatchObject({ status: 'ok', stdout: 'two\n' });
      await boxTwo.reset();
      await two.selfTest();
      await two.close();
      expect(await long).toMatchObject({ status: 'ok', stdout: 'survived\n' });
      expect((await one.run({ box: boxOne, argv: ['echo', 'still'] })).stdout).toBe('still\n');
      // A third one takes the range the closed one gave back.
      const three = await Sandbox.create({ workRoot, boxes: 2, baseUid });
      if (three.isolation.root) expect(three.baseUid).toBe(two.baseUid);
      await three.close();
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('aborts a run on the signal and before it starts', async () => {
    const box = await t.sandbox.createBox(0);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await t.sandbox.run({ box, argv: ['sleep', '30'], signal: controller.signal });
    expect(result.status).toBe('aborted');
    const again = await t.sandbox.run({ box, argv: ['true'], signal: controller.signal });
    expect(again.status).toBe('aborted');
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('closes at once while its warm boxes are still starting, and leaves no process', async () => {
    for (let i = 0; i < 3; i++) {
      const workRoot = path.join(t.workRoot, `closing-${i}`);
      const sandbox = await Sandbox.create({ workRoot, boxes: 2, baseUid: t.sandbox.baseUid + 40 });
      const boxes = [await sandbox.createBox(0), await sandbox.createBox(1)]; // their warm boxes start now
      const started = performance.now();
      await sandbox.close();
      expect(performance.now() - started).toBeLessThan(15_000);
      // Nothing of the boxes is left: their warm sandboxes were stopped, not left running.
      for (const box of boxes) if (box.uid !== null) expect(pidsOfUid(box.uid)).toEqual([]);
    }
  });

  it('runs one command at a time per box', async () => {
    const box = await t.sandbox.createBox(1);
    const first = t.sandbox.run({ box, argv: ['sleep', '0.3'] });
    await expect(t.sandbox.run({ box, argv: ['true'] })).rejects.toThrow(BoxBusyError);
    expect((await first).status).toBe('ok');
    await box.destroy();
  });

  it('rejects invalid options with a message that quotes them', async () => {
    const box = await t.sandbox.createBox(2);
    await expect(t.sandbox.run({ box, argv: [] as never })).rejects.toThrow(SandboxOptionError);
    await expect(t.sandbox.run({ box, argv: ['a\0b'] })).rejects.toThrow(/NUL/);
    await expect(t.sandbox.run({ box, argv: ['true'], cwd: '../..' })).rejects.toThrow(/inside the box/);
    await expect(t.sandbox.run({ box, argv: ['true'], limits: { memoryBytes: 1 } })).rejects.toThrow(
      /limits.memoryBytes/,
    );
    await expect(t.sandbox.createBox(99)).rejects.toThrow(/`id` to be an integer from 0 to 3, got `99`/);
    await expect(Sandbox.create({ workRoot: 'relative' })).rejects.toThrow(/absolute path/);
    for (const etc of [['../shadow'], ['passwd'], ['a/b'], 'issue' as never]) {
      await expect(Sandbox.create({ workRoot: t.workRoot, etc })).rejects.toThrow(/Expected `etc` to/);
    }
    await box.destroy();
  });
});

describe('the /etc entries a caller adds (a toolchain reads its own configuration there)', () => {
  // /etc/issue is on every Debian system, world-readable, and not among the sandbox's own entries.
  const entry = '/etc/issue';

  it.for(levels.filter((l) => l.level !== 'basic'))(
    'copies them into the box at level $level',
    async ({ level, disable }, ctx) => {
      const plain = await makeSandbox(disable, 1);
      const extra = await makeSandbox(disable, 1, { etc: ['issue', 'no-such-entry'] });
      try {
        requireLevel(ctx, extra.sandbox, level);
        const read = (sandbox: Sandbox) =>
          sandbox.createBox(0).then((box) => sandbox.run({ box, argv: ['cat', entry] }));
        expect((await read(plain.sandbox)).status).toBe('runtime-error');
        expect(await read(extra.sandbox)).toMatchObject({ status: 'ok', stdout: readFileSync(entry, 'utf8') });
      } finally {
        await plain.cleanup();
        await extra.cleanup();
      }
    },
  );
});
