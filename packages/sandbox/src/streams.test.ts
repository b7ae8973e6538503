// Streamed runs (stdin in pieces, output as it comes, signals), the box at /box, and a run's figures at every
// level: what an interactive session and a judge rely on.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLeft, levels, makeSandbox, requireLevel, type TestSandbox } from './test-support.ts';

/** Resolves once `predicate` holds for the text received so far. */
function waitFor(received: () => string, predicate: (text: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (predicate(received())) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > 10_000) {
        clearInterval(poll);
        reject(new Error(`no ${what} after 10 s; got ${JSON.stringify(received())}`));
      }
    }, 5);
  });
}

const echoUpper = 'import sys\nfor line in sys.stdin:\n    print(line.strip().upper(), flush=True)\nprint("bye")';

describe.each(levels)('at level $level', ({ level, disable }) => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await makeSandbox(disable);
  });
  afterAll(() => t?.cleanup());

  it('feeds stdin in pieces and hands on output before the program ends', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(0);
    const stdin = new PassThrough();
    let stdout = '';
    const running = t.sandbox.start({
      box,
      argv: ['python3', '-c', echoUpper],
      stdin,
      onOutput: (stream, text) => {
        if (stream === 'stdout') stdout += text;
      },
      limits: { wallTimeMs: 20_000 },
    });
    stdin.write('first\n');
    await waitFor(
      () => stdout,
      (text) => text === 'FIRST\n',
      'answer to the first line',
    );
    stdin.write('sec');
    stdin.write('ond\n');
    await waitFor(
      () => stdout,
      (text) => text === 'FIRST\nSECOND\n',
      'answer to the second line',
    );
    stdin.end(); // end of input: the loop ends by itself, not at the time limit
    const result = await running.result;
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'FIRST\nSECOND\nbye\n' });
    expect(stdout).toBe(result.stdout);
    expect(result.wallTimeMs).toBeLessThan(20_000);
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('takes stdin from an async iterable', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(1);
    async function* pieces() {
      yield 'a\n';
      yield new TextEncoder().encode('b\n');
    }
    const result = await t.sandbox.run({ box, argv: ['python3', '-c', echoUpper], stdin: pieces() });
    expect(result).toMatchObject({ status: 'ok', stdout: 'A\nB\nbye\n' });
    await box.destroy();
  });

  it('streams output within the cap, cut at a character boundary', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(2);
    const chunks: string[] = [];
    const result = await t.sandbox.run({
      box,
      argv: ['python3', '-c', 'import sys\nwhile True: sys.stdout.write("é" * 1000)'],
      limits: { stdoutBytes: 1001 },
      onOutput: (_stream, text) => chunks.push(text),
    });
    expect(result).toMatchObject({ status: 'output', outputLimit: 'stdout', stdoutTruncated: true });
    expect(result.stdout).toBe('é'.repeat(500));
    expect(chunks.join('')).toBe(result.stdout);
    // A callback that throws changes nothing for the run.
    const thrown = await t.sandbox.run({
      box,
      argv: ['echo', 'still here'],
      onOutput: () => {
        throw new Error('a bug of the caller');
      },
    });
    expect(thrown).toMatchObject({ status: 'ok', stdout: 'still here\n' });
    await box.destroy();
  });

  it('sends a signal to the program', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(3);
    let stdout = '';
    const source =
      'import time\ntry:\n    print("ready", flush=True)\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print("interrupted")';
    const running = t.sandbox.start({
      box,
      argv: ['python3', '-c', source],
      limits: { wallTimeMs: 20_000 },
      onOutput: (_stream, text) => {
        stdout += text;
      },
    });
    expect(() => running.kill('SIGNOPE')).toThrow('Expected a signal name such as SIGINT or SIGTERM, got "SIGNOPE"');
    await waitFor(
      () => stdout,
      (text) => text.includes('ready'),
      'ready line',
    );
    expect(running.kill('SIGINT')).toBe(true);
    expect(await running.result).toMatchObject({ status: 'ok', stdout: 'ready\ninterrupted\n' });
    expect(running.kill('SIGINT')).toBe(false); // over

    const sleeper = t.sandbox.start({ box, argv: ['sleep', '30'], limits: { wallTimeMs: 20_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sleeper.kill('SIGTERM')).toBe(true);
    expect(await sleeper.result).toMatchObject({ status: 'signaled', signal: 'SIGTERM', exitCode: null });
    // SIGKILL reaches the program too (box-init cannot catch it to forward it: it is asked by proxy), and the
    // run reports the program killed, not a sandbox failure.
    const killed = t.sandbox.start({ box, argv: ['sleep', '30'], limits: { wallTimeMs: 20_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(killed.kill('SIGKILL')).toBe(true);
    expect(await killed.result).toMatchObject({ status: 'signaled', signal: 'SIGKILL', exitCode: null });
    await expectNothingLeft(box);
    await box.destroy();
  });

  it('shows the box as /box where there is a mount namespace, never the host path', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(0);
    writeFileSync(
      path.join(box.dir, 'main.py'),
      'import os\nprint(os.getcwd(), os.environ["HOME"])\nraise ValueError("x")\n',
    );
    const result = await t.sandbox.run({ box, argv: ['python3', 'main.py'] });
    expect(result.status).toBe('runtime-error');
    if (level === 'basic') {
      expect(t.sandbox.isolation.boxPath).toBeNull();
    } else {
      expect(result.stdout).toBe('/box /box\n');
      expect(result.stderr).toContain('File "/box/main.py", line 3');
      expect(`${result.stdout}${result.stderr}`).not.toContain(t.workRoot);
    }
    await box.destroy();
  });

  it('reports peak memory and CPU time of the run', async (ctx) => {
    requireLevel(ctx, t.sandbox, level);
    const box = await t.sandbox.createBox(1);
    const source =
      'x = bytearray(96 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\nn = 0\nfor i in range(1_000_000): n += i';
    // Generous times: the v2 guest runs this under an emulated CPU, many times slower.
    const limits = { memoryBytes: 256 << 20, wallTimeMs: 60_000, cpuTimeMs: 60_000 };
    const result = await t.sandbox.run({ box, argv: ['python3', '-c', source], limits });
    expect(result.status).toBe('ok');
    expect(result.memoryBytes).toBeGreaterThan(96 << 20);
    expect(result.memoryBytes).toBeLessThan(256 << 20);
    expect(result.cpuTimeMs).toBeGreaterThan(20);
    expect(result.cpuTimeMs).toBeLessThan(result.wallTimeMs + 50);
    expect(t.sandbox.isolation.usage).toEqual(
      level === 'full' ? { memory: 'cgroup', cpuTime: 'cgroup' } : { memory: 'rusage', cpuTime: 'rusage' },
    );
    await box.destroy();
  });
});

describe('the memory limit without cgroups (box-init, level namespaces)', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await makeSandbox(['cgroups']);
  });
  afterAll(() => t?.cleanup());

  it("stops a run past its limit with status 'memory', and lets one that reserves much but uses little run", async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces');
    const box = await t.sandbox.createBox(0);
    const limits = { memoryBytes: 128 << 20, wallTimeMs: 60_000, cpuTimeMs: 60_000 };
    // Touched pages in steps, in two processes: the sum of both counts, not the largest alone.
    const greedy = await t.sandbox.run({
      box,
      argv: [
        'python3',
        '-c',
        'import os, time\nos.fork()\nb = []\nfor i in range(100):\n    b.append(bytearray(4 << 20))\n    time.sleep(0.01)\ntime.sleep(5)',
      ],
      limits,
    });
    expect(greedy).toMatchObject({ status: 'memory', message: 'memory limit of 134217728 bytes exceeded' });
    expect(greedy.memoryBytes).toBeGreaterThan(128 << 20);
    // 1 GiB of address space reserved (as V8 and the JVM do), 8 MiB of it touched.
    const reserving = await t.sandbox.run({
      box,
      argv: ['python3', '-c', 'import mmap\nm = mmap.mmap(-1, 1 << 30)\nm[0:8 << 20] = bytes(8 << 20)\nprint("ok")'],
      limits,
    });
    expect(reserving).toMatchObject({ status: 'ok', stdout: 'ok\n' });
    await expectNothingLeft(box);
    await box.destroy();
  });
});
