// Hostile programs the sandbox must contain, with real processes. Sequential: each one loads the machine.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import {
  compileC,
  expectNothingLeft,
  expectRunsOnItsPath,
  makeSandbox,
  promiseOfLevel,
  requireGcc,
  requireLevel,
  skipOrFail,
  type TestSandbox,
} from './test-support.ts';

const MiB = 1024 * 1024;

describe('hostile code', () => {
  let t: TestSandbox;
  let box: Box;
  let bystander: Box;
  let tools: string;
  let cgroups = false;
  let perBoxUid = false;

  beforeAll(async () => {
    t = await makeSandbox();
    const { layers } = t.sandbox.isolation;
    cgroups = layers.cgroups.available;
    perBoxUid = layers.uid.available;
    // Test programs live outside the box, readable by everyone, and are exposed read-only (in the warm
    // boxes too, so that the runs take the warm path where there is one).
    tools = mkdtempSync(path.join(os.tmpdir(), 'sandbox-tools-'));
    statSync(tools);
    await execa('chmod', ['755', tools]);
    t.sandbox.setWarmPaths([tools]);
    box = await t.sandbox.createBox(0);
    bystander = await t.sandbox.createBox(1);
    writeFileSync(path.join(bystander.dir, 'keep'), 'bystander data');
  });

  afterEach(async () => {
    await expectNothingLeft(box);
    // Other boxes and the server are unharmed.
    expect(readFileSync(path.join(bystander.dir, 'keep'), 'utf8')).toBe('bystander data');
    const echo = await t.sandbox.run({ box: bystander, argv: ['echo', 'alive'] });
    expect(echo).toMatchObject({ status: 'ok', stdout: 'alive\n' });
  });

  afterAll(async () => {
    // The hostile programs ran on the path the sandbox reports (warm where the host allows it).
    if (t) expectRunsOnItsPath(t.sandbox);
    await t?.cleanup();
    rmSync(tools, { recursive: true, force: true });
  });

  const run = (argv: [string, ...string[]], more: Record<string, unknown> = {}) =>
    t.sandbox.run({ box, argv, readOnlyPaths: [tools], ...more });

  it('contains a fork bomb', async (ctx) => {
    if (!cgroups && !perBoxUid) {
      skipOrFail(ctx, 'no pids cgroup and no per-box uid for RLIMIT_NPROC', promiseOfLevel('full'));
    }
    requireGcc(ctx);
    const bomb = await compileC(tools, 'forkbomb', '#include <unistd.h>\nint main(){for(;;)fork();}\n');
    const result = await run([bomb], { limits: { wallTimeMs: 1500 } });
    expect(result.status).toBe('timeout');
    expect((await execa('true')).exitCode).toBe(0); // the server can still fork
  });

  it('stops a CPU spin at the CPU limit', async () => {
    const result = await run(['python3', '-c', 'while True: pass'], { limits: { cpuTimeMs: 500, wallTimeMs: 20_000 } });
    expect(result).toMatchObject({ status: 'timeout', timeout: 'cpu' });
  });

  it('stops a sleeper at the wall limit', async () => {
    const result = await run(['sleep', '1000'], { limits: { wallTimeMs: 300 } });
    expect(result).toMatchObject({ status: 'timeout', timeout: 'wall', signal: 'SIGKILL' });
  });

  it('stops a program touching 2 GiB under a 256 MiB limit with status memory', async (ctx) => {
    // Without a memory cgroup, RLIMIT_DATA makes malloc fail, which cannot be told apart.
    requireLevel(ctx, t.sandbox, 'full');
    requireGcc(ctx);
    const hog = await compileC(
      tools,
      'hog',
      '#include <stdlib.h>\n#include <string.h>\nint main(){size_t n=2UL<<30;volatile char*p=malloc(n);if(!p)return 3;for(size_t i=0;i<n;i+=4096)p[i]=1;return p[4096]==1?0:4;}\n',
    );
    const result = await run([hog], { limits: { memoryBytes: 256 * MiB, wallTimeMs: 20_000 } });
    expect(result.status).toBe('memory');
    expect(result.memoryBytes).toBeGreaterThan(200 * MiB);
    expect(result.memoryBytes).toBeLessThanOrEqual(257 * MiB);
  });

  it.each(['stdout', 'stderr'] as const)('cuts 1 GB written to %s at the cap', async (stream) => {
    const redirect = stream === 'stderr' ? ' >&2' : '';
    const result = await run(['sh', '-c', `head -c 1000000000 /dev/zero | tr '\\0' x${redirect}`]);
    expect(result).toMatchObject({ status: 'output', outputLimit: stream });
    expect(result[stream]).toBe('x'.repeat(64 * 1024));
    expect(result[stream === 'stdout' ? 'stdoutTruncated' : 'stderrTruncated']).toBe(true);
  });

  it('stops one big file at the file size limit', async () => {
    // exec: the program itself is killed (a shell that waits would exit 153, its own status, as box-init reports).
    const result = await run(['sh', '-c', 'exec head -c 100000000 /dev/zero > big'], {
      limits: { fileSizeBytes: 4 * MiB },
    });
    expect(result).toMatchObject({ status: 'signaled', signal: 'SIGXFSZ' });
    expect(statSync(path.join(box.dir, 'big')).size).toBeLessThanOrEqual(4 * MiB);
  });

  it('stops many small files at the box size', async (ctx) => {
    if (t.sandbox.isolation.disk !== 'tmpfs') {
      const promise = process.getuid?.() === 0 ? promiseOfLevel('full') : undefined;
      skipOrFail(ctx, 'no tmpfs per box (needs root): only RLIMIT_FSIZE applies', promise);
    }
    const result = await run(
      ['sh', '-c', 'i=0; while head -c 100000 /dev/zero > f$i; do i=$((i+1)); done; echo "$i files"; exit 1'],
      { limits: { diskBytes: 8 * MiB, wallTimeMs: 20_000 } },
    );
    expect(result.status).toBe('runtime-error');
    const total = readdirSync(box.dir).reduce((sum, name) => sum + statSync(path.join(box.dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual(8 * MiB);
    expect(total).toBeGreaterThan(6 * MiB);
  });

  it('kills background jobs, setsid and double-forked daemons when the run ends', async () => {
    const started = Date.now();
    const result = await run([
      'python3',
      '-c',
      [
        'import os, subprocess',
        "subprocess.Popen(['sleep', '1000'])",
        "subprocess.Popen(['setsid', 'sleep', '1000'])",
        'if os.fork() == 0:',
        '    os.setsid()',
        "    if os.fork() == 0: os.execvp('sleep', ['sleep', '1000'])",
        '    os._exit(0)',
        "print('spawned')",
      ].join('\n'),
    ]);
    expect(result).toMatchObject({ status: 'ok', stdout: 'spawned\n' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('contains kill -9 -1 from inside', async (ctx) => {
    // Without a PID namespace or a per-box uid, kill -1 reaches the server.
    if (!perBoxUid) requireLevel(ctx, t.sandbox, 'namespaces');
    const other = t.sandbox.run({ box: bystander, argv: ['sleep', '1'] });
    // kill -1 reaches every process the caller may signal but itself: only its own run.
    const result = await run(['sh', '-c', 'sleep 1000 & kill -9 -1; echo survived']);
    expect(result).toMatchObject({ status: 'ok', stdout: 'survived\n' });
    expect((await other).status).toBe('ok');
  });

  it('has no network: neither the host loopback nor a public address', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces'); // the network namespace
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const probe = (host: string, p: number) =>
      run([
        'python3',
        '-c',
        `import socket\ns=socket.socket()\ns.settimeout(2)\ntry:\n  s.connect(("${host}", ${p}))\n  print("connected")\nexcept OSError as e:\n  print("failed", e.errno)`,
      ]);
    const local = await probe('127.0.0.1', port);
    const remote = await probe('1.1.1.1', 80);
    server.close();
    expect(local.stdout).toMatch(/^failed/);
    expect(remote.stdout).toBe('failed 101\n'); // ENETUNREACH at once: the namespace has no route
    expect(connections).toBe(0);
  });

  it('cannot read /etc/shadow, the server environment or another box', async () => {
    const result = await run([
      'sh',
      '-c',
      `cat /etc/shadow; cat /proc/${process.pid}/environ; cat ${path.join(bystander.dir, 'keep')}; echo done`,
    ]);
    expect(result.stdout).toBe('done\n');
    expect(result.stderr).toMatch(/shadow/);
  });

  it("cannot see the host's /tmp or write outside the box", async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces'); // without a mount namespace the host /tmp is shared
    const planted = path.join(os.tmpdir(), `sandbox-planted-${process.pid}`);
    const outside = path.join(os.tmpdir(), `sandbox-outside-${process.pid}`);
    writeFileSync(planted, 'host secret', { mode: 0o644 });
    try {
      const result = await run([
        'sh',
        '-c',
        `cat ${planted}; echo x > ${outside}; echo x > /usr/pwned; echo x > ${path.join(t.workRoot, 'escaped')}; echo done`,
      ]);
      expect(result.stdout).toBe('done\n');
      expect(existsSync(outside)).toBe(false);
      expect(existsSync('/usr/pwned')).toBe(false);
      expect(existsSync(path.join(t.workRoot, 'escaped'))).toBe(false);
    } finally {
      rmSync(planted, { force: true });
    }
  });

  it('empties the box without following links the code planted', async () => {
    const targetDir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-target-'));
    const target = path.join(targetDir, 'precious');
    writeFileSync(target, 'keep me');
    try {
      const result = await run([
        'sh',
        '-c',
        `ln -s ${target} link; ln -s ${targetDir} dirlink; ln -s / root; mkdir -p d/e; ln -s ${targetDir} d/e/x; chmod 000 d`,
      ]);
      expect(result.status).toBe('ok');
      await box.reset();
      expect(readFileSync(target, 'utf8')).toBe('keep me');
      expect(readdirSync(box.dir)).toEqual([]);
    } finally {
      rmSync(targetDir, { recursive: true, force: true });
    }
  });

  it('takes 10 MB of stdin, read or not', async () => {
    const input = Buffer.alloc(10 * MiB, 'a');
    const counted = await run(['wc', '-c'], { stdin: input });
    expect(counted).toMatchObject({ status: 'ok', stdout: `${10 * MiB}\n` });
    const ignored = await run(['true'], { stdin: input });
    expect(ignored.status).toBe('ok');
  });

  it('decodes invalid UTF-8 with U+FFFD and never cuts a character', async () => {
    const invalid = await run(['printf', '\\377\\376ok']);
    expect(invalid).toMatchObject({ status: 'ok', stdout: '\uFFFD\uFFFDok' });
    const wide = await run(['python3', '-c', 'print("é" * 1000, end="")'], { limits: { stdoutBytes: 999 } });
    expect(wide.status).toBe('output');
    expect(wide.stdout).toBe('é'.repeat(499));
  });

  it('passes a very long argv, and refuses what exec() cannot take before starting anything', async () => {
    const args = Array.from({ length: 7900 }, (_, i) => `argument-${i}-${'y'.repeat(100)}`);
    const ok = await run(['sh', '-c', 'echo $#', 'sh', ...args]);
    expect(ok).toMatchObject({ status: 'ok', stdout: '7900\n' });
    await expect(run(['true', ...args, ...args])).rejects.toThrow(/at most 8000 entries/);
    await expect(run(['echo', 'x'.repeat(1024 * 1024)])).rejects.toThrow(/argv\[1\].*at most 131071 bytes/);
    const big = Array.from({ length: 10 }, () => 'z'.repeat(120_000));
    await expect(run(['echo', ...big])).rejects.toThrow(/at most 1048576 bytes in all/);
    const largest = Array.from({ length: 8 }, () => 'z'.repeat(120_000));
    expect(await run(['sh', '-c', 'echo $#', 'sh', ...largest])).toMatchObject({ status: 'ok', stdout: '8\n' });
  });
});
