import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import type { IsolationLayer } from './isolation.ts';
import { launcherSource, stopReading } from './launcher.ts';
import { pidsOfUid } from './procs.ts';
import { Sandbox } from './sandbox.ts';
import { expectNothingLeft, makeSandbox, type TestSandbox } from './test-support.ts';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readStatus(pid));
function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 'State: Z';
  }
}

async function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('stopReading (relies on Node internals: this test catches a change of them)', () => {
  it('stops a fresh child pipe from reading without losing a byte, and reading resumes later', async () => {
    const child = spawn('/bin/sh', ['-c', 'printf hello-from-the-pipe'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const stdout = child.stdout;
    if (!stdout) throw new Error('no stdout');
    stopReading(stdout);
    await new Promise((resolve) => child.once('exit', resolve));
    await sleep(100);
    expect(stdout.readableLength).toBe(0); // nothing was read while stopped
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The bytes are still in the pipe: reading again (as the server's socket does) gets all of them.
    const handle = (stdout as unknown as { _handle: { reading: boolean; readStart: () => number } })._handle;
    handle.reading = true;
    handle.readStart();
    await new Promise((resolve) => stdout.once('end', resolve));
    expect(Buffer.concat(chunks).toString()).toBe('hello-from-the-pipe');
  });

  it('embeds into a launcher source that parses', () => {
    expect(() => new Function('require', 'process', launcherSource)).not.toThrow();
  });
});

const levels: Array<{ name: string; disable: IsolationLayer[] }> = [
  { name: 'full', disable: [] },
  { name: 'basic', disable: ['cgroups', 'namespaces'] },
];

describe.each(levels)('the launcher at level $name', ({ disable }) => {
  let t: TestSandbox;
  let boxes: Box[];
  beforeAll(async () => {
    t = await makeSandbox(disable, 4);
    boxes = await Promise.all([0, 1, 2, 3].map((id) => t.sandbox.createBox(id)));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('spawns the runs and says so in the isolation report', async () => {
    expect(t.sandbox.launcherPid).toBeTypeOf('number');
    expect(t.sandbox.isolation.layers.process.detail).toMatch(/launcher process/);
  });

  it('is restarted after being killed', async () => {
    const box = boxes[0] as Box;
    const first = t.sandbox.launcherPid as number;
    expect((await t.sandbox.run({ box, argv: ['/bin/echo', 'one'] })).stdout).toBe('one\n');
    process.kill(first, 'SIGKILL');
    await waitFor(() => t.sandbox.launcherPid === null, 'the sandbox to notice the dead launcher');
    const again = await t.sandbox.run({ box, argv: ['/bin/echo', 'two'] });
    expect(again.status).toBe('ok');
    expect(again.stdout).toBe('two\n');
    expect(t.sandbox.launcherPid).toBeTypeOf('number');
    expect(t.sandbox.launcherPid).not.toBe(first);
    await expectNothingLeft(box);
  });

  it("ends a run in flight as 'internal' when the launcher dies, and leaves no process", async () => {
    const box = boxes[1] as Box;
    const marker = path.join(box.dir, 'started');
    const running = t.sandbox.run({
      box,
      argv: ['/bin/sh', '-c', 'echo started > started; sleep 60 & sleep 60; wait'],
      limits: { wallTimeMs: 120_000 },
    });
    await waitFor(() => existsSync(marker), 'the run to start');
    const launcher = t.sandbox.launcherPid as number;
    process.kill(launcher, 'SIGKILL');
    const result = await running;
    expect(result.status).toBe('internal');
    // A warm box is the launcher's child and dies with it (bwrap --die-with-parent), and its run with it.
    expect(result.message).toMatch(
      t.sandbox.isolation.runPath.kind === 'warm'
        ? /the warm box ended the run without its status/
        : /launcher process .* exited \(SIGKILL\)/,
    );
    if (box.uid !== null) expect(pidsOfUid(box.uid)).toEqual([]);
    await expectNothingLeft(box);
    expect((await t.sandbox.run({ box, argv: ['/bin/echo', 'after'] })).stdout).toBe('after\n');
  });

  it('hands over the stdin of programs that exit at once, however many runs wait to send their pipes', async () => {
    // Pipes are sent one at a time (each waits for the last one's acknowledgement), and Node destroys a child's
    // stdin when it exits: a program quicker than the queue lost its stdin handle and its run never ended.
    const loop = async (box: Box) => {
      for (let i = 0; i < 15; i++) {
        const result = await t.sandbox.run({ box, argv: ['/bin/true'], stdin: 'ignored input' });
        expect(result.status, result.message ?? '').toBe('ok');
        await box.reset();
      }
    };
    await Promise.all(boxes.map(loop));
  });

  it('delivers the complete output of many concurrent runs', async () => {
    const outBytes = 300_000;
    const errBytes = 100_000;
    const perBox = 6;
    const loop = async (box: Box) => {
      for (let i = 0; i < perBox; i++) {
        const word = `box${box.id}-run${i}`;
        const result = await t.sandbox.run({
          box,
          argv: ['/bin/sh', '-c', `yes ${word} | head -c ${outBytes}; yes err-${word} | head -c ${errBytes} >&2`],
          limits: { stdoutBytes: 1 << 20, stderrBytes: 1 << 20 },
          stdin: 'unused input',
        });
        expect(result.status).toBe('ok');
        expect(result.stdout).toBe(`${word}\n`.repeat(outBytes).slice(0, outBytes));
        expect(result.stderr).toBe(`err-${word}\n`.repeat(errBytes).slice(0, errBytes));
        await box.reset();
      }
    };
    await Promise.all(boxes.map(loop));
  });
});

describe('when the server dies', () => {
  it('the launcher kills every process group it started and exits', async () => {
    const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-'));
    const baseUid = 100_000 + ((process.pid * 64 + 40) % 800_000);
    // A server in its own process: it starts a long run at the basic level (no bwrap, whose
    // --die-with-parent would kill the run by itself), reports, then is SIGKILLed.
    const script = `
      import { existsSync, readFileSync } from 'node:fs';
      import { Sandbox } from ${JSON.stringify(path.join(import.meta.dirname, 'index.ts'))};
      const sandbox = await Sandbox.create({ workRoot: ${JSON.stringify(workRoot)}, boxes: 1, baseUid: ${baseUid}, disable: ['cgroups', 'namespaces'] });
      const box = await sandbox.createBox(0);
      const marker = box.dir + '/started';
      sandbox.run({ box, argv: ['/bin/sh', '-c', 'sleep 60 & echo $$ $! > started.tmp; mv started.tmp started; wait'], limits: { wallTimeMs: 120000 } });
      while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
      const pids = readFileSync(marker, 'utf8').trim().split(' ').map(Number);
      console.log(JSON.stringify({ launcher: sandbox.launcherPid, uid: box.uid, pids }));
      setInterval(() => {}, 1000);
    `;
    const server = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    server.stdout?.on('data', (chunk: Buffer) => (out += chunk));
    server.stderr?.on('data', (chunk: Buffer) => (err += chunk));
    try {
      await waitFor(() => out.includes('\n'), `the server to start a run (stderr: ${err})`, 40_000);
      const { launcher, uid, pids } = JSON.parse(out) as { launcher: number; uid: number | null; pids: number[] };
      expect(pids).toHaveLength(2);
      for (const pid of [launcher, ...pids]) expect(alive(pid)).toBe(true);
      server.kill('SIGKILL');
      await waitFor(() => !alive(launcher), 'the launcher to exit');
      await waitFor(() => pids.every((pid) => !alive(pid)), 'the run (shell and its background sleep) to be killed');
      if (uid !== null) expect(pidsOfUid(uid)).toEqual([]);
    } finally {
      server.kill('SIGKILL');
      // A sandbox on the same workRoot and uids removes what the dead one left (its directory, its claims).
      const next = await Sandbox.create({ workRoot, boxes: 1, baseUid, disable: ['cgroups', 'namespaces'] });
      await next.close();
      rmSync(workRoot, { recursive: true, force: true });
    }
  });
});
