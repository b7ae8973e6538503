// Guest-only checks of the cgroup v2 paths (run by deploy/vm/jobs/suites.sh inside the cgroup v2 guest,
// as root on a pure v2 hierarchy; never on the host, whose cgroup v1 cannot run them). They drive the real
// sandbox and testero's real limit reading, and look at the kernel's own files.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeIsolation, type RunResult, Sandbox } from '../../../../packages/sandbox/src/index.ts';

const root = '/sys/fs/cgroup';
const MiB = 1024 * 1024;
const sandboxSrc = path.resolve(import.meta.dirname, '../../../../packages/sandbox/src');
const testeroSrc = path.resolve(import.meta.dirname, '../../../../apps/testero/src');

function show(what: string, result: RunResult): void {
  console.info(
    `[cgroup v2] ${what}: status ${result.status}${result.timeout ? ` (${result.timeout})` : ''}, cpu ${result.cpuTimeMs?.toFixed(0)} ms, peak ${
      result.memoryBytes === null ? 'null' : `${(result.memoryBytes / MiB).toFixed(1)} MiB`
    }, wall ${result.wallTimeMs.toFixed(0)} ms${result.message ? `, ${result.message}` : ''}`,
  );
}

/** A cgroup of the test's own directly under the root, removed (after its processes) at the end. */
function makeCgroup(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  mkdirSync(dir);
  for (const [file, value] of Object.entries(files)) writeFileSync(path.join(dir, file), value);
  return dir;
}

async function removeCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeCgroup(path.join(dir, entry.name));
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    try {
      rmdirSync(dir);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  rmdirSync(dir);
}

it('is a pure cgroup v2 host: the unified hierarchy at /sys/fs/cgroup, no v1 mount', () => {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  expect(mounts).toMatch(/ \/sys\/fs\/cgroup .* - cgroup2 /);
  expect(mounts).not.toMatch(/ - cgroup /);
  expect(readFileSync('/proc/self/cgroup', 'utf8')).toBe('0::/\n');
  expect(readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8')).toMatch(/memory.*pids|pids.*memory/);
});

describe('the sandbox on cgroup v2', () => {
  let sandbox: Sandbox;
  let workRoot: string;
  let base: string;

  beforeAll(async () => {
    workRoot = await mkdtemp(path.join(os.tmpdir(), 'cgroup-v2-'));
    sandbox = await Sandbox.create({ workRoot, boxes: 4, baseUid: 70_000, requireLevel: 'full' });
    console.info(`[cgroup v2] ${describeIsolation(sandbox.isolation)}`);
    base = /under (\S+)\)?/.exec(sandbox.isolation.layers.cgroups.detail)?.[1]?.replace(/\)$/, '') ?? '';
  });
  afterAll(async () => {
    await sandbox?.close();
    await rm(workRoot, { recursive: true, force: true });
  });

  /**
   * The cgroups the runs of box 0 get: `box-0-N` on the cold path; on the warm path `box-0-N/run-M` beside
   * `box-0-N/init` (the warm box's own processes), which the warm box's init clones each run into.
   */
  const runCgroups = () =>
    readdirSync(base)
      .filter((name) => name.startsWith('box-0-'))
      .flatMap((name) => {
        const dir = path.join(base, name);
        if (!existsSync(path.join(dir, 'init'))) return [dir];
        return readdirSync(dir, { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && entry.name.startsWith('run-'))
          .map((entry) => path.join(dir, entry.name));
      });

  it('reports level full on cgroup v2, with its cgroups under the root, and takes the warm path', () => {
    expect(sandbox.isolation.runPath.kind, sandbox.isolation.runPath.detail).toBe('warm');
    expect(sandbox.isolation.level).toBe('full');
    expect(sandbox.isolation.cgroup).toBe('v2');
    expect(base).toMatch(/^\/sys\/fs\/cgroup\/repo-sandbox-/);
    expect(readFileSync(path.join(base, 'cgroup.subtree_control'), 'utf8')).toMatch(/memory.*pids|pids.*memory/);
  });

  it("writes the run's memory.max, memory.swap.max and pids.max into a fresh cgroup of its own", async () => {
    const box = await sandbox.createBox(0);
    const running = sandbox.run({
      box,
      argv: ['sleep', '2'],
      limits: { memoryBytes: 100 * MiB, processes: 7, wallTimeMs: 20_000 },
    });
    let seen: Record<string, string> | null = null;
    for (let i = 0; i < 200 && !seen; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const live = runCgroups().find((dir) => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8') !== '');
      if (live) {
        seen = Object.fromEntries(
          ['memory.max', 'memory.swap.max', 'pids.max'].map((file) => [
            file,
            readFileSync(path.join(live, file), 'utf8').trim(),
          ]),
        );
      }
    }
    const result = await running;
    show('sleep 2', result);
    console.info(`[cgroup v2] the run's cgroup: ${JSON.stringify(seen)}`);
    expect(seen).toEqual({ 'memory.max': String(100 * MiB), 'memory.swap.max': '0', 'pids.max': '9' });
    expect(result.status).toBe('ok');
    // Removed in the background once the run is over.
    for (let i = 0; i < 100 && runCgroups().length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(runCgroups()).toEqual([]);
    await box.destroy();
    expect(readdirSync(base).filter((name) => name.startsWith('box-0-'))).toEqual([]);
  });

  it('measures the peak memory of a run from memory.peak', async () => {
    const box = await sandbox.createBox(1);
    const small = await sandbox.run({ box, argv: ['true'], limits: { wallTimeMs: 20_000 } });
    show('true', small);
    const result = await sandbox.run({
      box,
      argv: ['python3', '-c', "b = b'x' * (120 * 1024 * 1024); print(len(b))"],
      limits: { memoryBytes: 400 * MiB, wallTimeMs: 60_000, cpuTimeMs: 30_000 },
    });
    show('python3 holding 120 MiB', result);
    expect(result.status).toBe('ok');
    expect(result.memoryBytes).toBeGreaterThan(120 * MiB);
    expect(result.memoryBytes).toBeLessThan(400 * MiB);
    // A fresh cgroup per run: the peak of the small run is its own, not the box's history.
    expect(small.memoryBytes).toBeGreaterThan(0);
    expect(small.memoryBytes).toBeLessThan(32 * MiB);
    await box.destroy();
  });

  it("reports an OOM kill from memory.events as status 'memory'", async () => {
    const box = await sandbox.createBox(2);
    const result = await sandbox.run({
      box,
      argv: ['python3', '-c', "b = b'x' * (300 * 1024 * 1024); print('survived')"],
      limits: { memoryBytes: 64 * MiB, wallTimeMs: 60_000, cpuTimeMs: 30_000 },
    });
    show('python3 asking 300 MiB under 64 MiB', result);
    expect(result.status).toBe('memory');
    expect(result.stdout).not.toContain('survived');
    expect(result.memoryBytes).toBeLessThanOrEqual(64 * MiB);
    await box.destroy();
  });

  it('stops forks at pids.max', async () => {
    const box = await sandbox.createBox(3);
    const forks = [
      'import os, time',
      'n = 0',
      'try:',
      '    while n < 200:',
      '        if os.fork() == 0:',
      '            time.sleep(30)',
      '            os._exit(0)',
      '        n += 1',
      'except OSError as e:',
      "    print('forked', n, 'then errno', e.errno)",
    ].join('\n');
    const result = await sandbox.run({
      box,
      argv: ['python3', '-c', forks],
      limits: { processes: 10, wallTimeMs: 60_000, cpuTimeMs: 30_000 },
    });
    show('python3 forking', result);
    console.info(`[cgroup v2] fork bomb said: ${result.stdout.trim()}`);
    const match = /forked (\d+) then errno (\d+)/.exec(result.stdout);
    expect(match).not.toBeNull();
    // EAGAIN from the pids controller, after fewer children than the limit.
    expect(Number(match?.[2])).toBe(11);
    expect(Number(match?.[1])).toBeLessThanOrEqual(10);
    await box.destroy();
  });

  it('counts the CPU time of every process of a run from cpu.stat, and stops at the CPU limit', async () => {
    const box = await sandbox.createBox(0);
    // Two processes spinning: the run's CPU time is their sum.
    const spin = 'import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass';
    const result = await sandbox.run({
      box,
      argv: ['sh', '-c', `python3 -c '${spin}' & python3 -c '${spin}'; wait`],
      limits: { wallTimeMs: 60_000, cpuTimeMs: 30_000 },
    });
    show('two processes spinning 0.5 s each', result);
    expect(result.status).toBe('ok');
    expect(result.cpuTimeMs).toBeGreaterThanOrEqual(1000);
    const stopped = await sandbox.run({
      box,
      argv: ['sh', '-c', 'while :; do :; done & while :; do :; done'],
      limits: { wallTimeMs: 60_000, cpuTimeMs: 1000 },
    });
    show('two endless loops under 1 s of CPU', stopped);
    expect(stopped).toMatchObject({ status: 'timeout', timeout: 'cpu' });
    expect(stopped.cpuTimeMs).toBeGreaterThanOrEqual(1000);
    await box.destroy();
  });

  it('leaves no cgroup behind once closed', async () => {
    const other = await Sandbox.create({ workRoot, boxes: 1, baseUid: 71_000 });
    const box = await other.createBox(0);
    expect((await other.run({ box, argv: ['true'] })).status).toBe('ok');
    await other.close();
    const left = readdirSync(root).filter((name) => name.startsWith('repo-sandbox-'));
    // Only the suite's own sandbox (still open) is left.
    expect(left).toEqual([path.basename(base)]);
  });
});

/** Runs `code` (an ES module) in a node child that waits for a line on stdin before it starts. */
function waitingNode(code: string): ResultPromise<{ stdin: 'pipe'; reject: false }> {
  const script = `await new Promise((resolve) => process.stdin.once('data', resolve));\n${code}`;
  return execa(process.execPath, ['--input-type=module', '-e', script], { stdin: 'pipe', reject: false });
}

describe('detectCgroups in a delegated cgroup, as in a container', () => {
  const detect = `
    import { readFileSync } from 'node:fs';
    import { detectCgroups } from '${sandboxSrc}/cgroup/index.ts';
    const found = detectCgroups();
    console.log(JSON.stringify({ version: found.driver?.version ?? null, detail: found.detail, own: readFileSync('/proc/self/cgroup', 'utf8').trim() }));
    await found.driver?.close();
  `;
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await removeCgroup(dir);
  });

  it('moves itself into a leaf when it is alone in its cgroup (no internal processes)', async () => {
    const dir = makeCgroup('delegated-alone');
    made.push(dir);
    const child = waitingNode(detect);
    writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
    child.stdin?.end('go\n');
    const result = await child;
    console.info(`[cgroup v2] alone: ${result.stdout}${result.stderr}`);
    const found = JSON.parse(result.stdout);
    expect(found.version).toBe('v2');
    expect(found.own).toBe('0::/delegated-alone/sandbox-server');
  });

  it('at the root of its cgroup namespace (a container) moves the others too, e.g. tini as PID 1', async () => {
    const dir = makeCgroup('delegated-container');
    made.push(dir);
    // The container's other process (its init), in the cgroup before the server starts.
    const sibling = execa('sleep', ['300'], { reject: false });
    writeFileSync(path.join(dir, 'cgroup.procs'), String(sibling.pid));
    // unshare: a new cgroup namespace rooted at the container's cgroup, and its own cgroup2 mount of it,
    // as runc sets up a container with --cgroupns=private.
    const child = execa(
      'sh',
      [
        '-c',
        `echo $$ > ${dir}/cgroup.procs && exec unshare --cgroup --mount sh -c 'umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" --input-type=module -e "$1"' "$0" "$1"`,
        process.execPath,
        `await new Promise((resolve) => process.stdin.once('data', resolve));\n${detect}`,
      ],
      { stdin: 'pipe', reject: false },
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    child.stdin?.end('go\n');
    const result = await child;
    console.info(`[cgroup v2] container with a sibling: ${result.stdout}${result.stderr}`);
    const found = JSON.parse(result.stdout);
    expect(found.version).toBe('v2');
    expect(found.own).toBe('0::/sandbox-server');
    expect(readFileSync(path.join(dir, 'sandbox-server', 'cgroup.procs'), 'utf8')).toContain(String(sibling.pid));
    sibling.kill('SIGKILL');
  });

  it('leaves a shared cgroup that is not its namespace root alone (no cgroups, so level namespaces)', async () => {
    const dir = makeCgroup('shared-scope');
    made.push(dir);
    const sibling = execa('sleep', ['300'], { reject: false });
    writeFileSync(path.join(dir, 'cgroup.procs'), String(sibling.pid));
    const child = waitingNode(detect);
    writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
    child.stdin?.end('go\n');
    const result = await child;
    console.info(`[cgroup v2] shared cgroup: ${result.stdout}${result.stderr}`);
    const found = JSON.parse(result.stdout);
    expect(found.version).toBeNull();
    expect(found.detail).toContain('not writable');
    expect(readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')).toContain(String(sibling.pid));
    sibling.kill('SIGKILL');
  });
});

describe("testero's memory limit from cgroup v2", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await removeCgroup(dir);
  });
  const read = `
    import { defaultMemoryLimit } from '${testeroSrc}/limits.ts';
    const found = await defaultMemoryLimit();
    console.log(JSON.stringify({ available: String(found.available), limit: String(found.limit), source: found.source }));
  `;

  async function readIn(dir: string) {
    const child = waitingNode(read);
    writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
    child.stdin?.end('go\n');
    const result = await child;
    console.info(`[cgroup v2] testero in ${dir}: ${result.stdout}${result.stderr}`);
    const found = JSON.parse(result.stdout) as { available: string; limit: string; source: string };
    return { available: Number(found.available), limit: Number(found.limit), source: found.source };
  }

  it('reads the memory.max of its own cgroup, minus what is in use', async () => {
    const dir = makeCgroup('testero-own', { 'memory.max': String(300 * MiB) });
    made.push(dir);
    const found = await readIn(dir);
    expect(found.source).toBe(path.join(dir, 'memory.max'));
    // node itself uses some tens of MiB of the 300.
    expect(found.available).toBeLessThan(300 * MiB);
    expect(found.available).toBeGreaterThan(200 * MiB);
    expect(found.limit).toBeLessThan(found.available);
  });

  it("reads an ancestor's memory.max when that is the one that binds", async () => {
    const parent = makeCgroup('testero-pod', { 'memory.max': String(250 * MiB), 'cgroup.subtree_control': '+memory' });
    made.push(parent);
    const dir = path.join(parent, 'app');
    mkdirSync(dir);
    const found = await readIn(dir);
    expect(found.source).toBe(path.join(parent, 'memory.max'));
    expect(found.available).toBeLessThan(250 * MiB);
  });

  it('reads the limit at the root of its cgroup namespace, as in a container', async () => {
    const dir = makeCgroup('testero-container', { 'memory.max': String(280 * MiB) });
    made.push(dir);
    const child = execa(
      'sh',
      [
        '-c',
        `echo $$ > ${dir}/cgroup.procs && exec unshare --cgroup --mount sh -c 'umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" --input-type=module -e "$1"' "$0" "$1"`,
        process.execPath,
        read,
      ],
      { reject: false },
    );
    const result = await child;
    console.info(`[cgroup v2] testero in a cgroup namespace: ${result.stdout}${result.stderr}`);
    const found = JSON.parse(result.stdout) as { available: string; source: string };
    expect(found.source).toBe('/sys/fs/cgroup/memory.max');
    expect(Number(found.available)).toBeLessThan(280 * MiB);
    expect(Number(found.available)).toBeGreaterThan(180 * MiB);
  });

  it('does not count reclaimable page cache as used', async () => {
    const dir = makeCgroup('testero-cache', { 'memory.max': String(300 * MiB) });
    made.push(dir);
    // 100 MiB of file pages charged to the cgroup (a file on the ext4 repository disk, not tmpfs).
    const file = '/work/main/.cgroup-v2-cache-file';
    const writer = execa('sh', [
      '-c',
      `echo $$ > ${dir}/cgroup.procs && exec dd if=/dev/zero of=${file} bs=1M count=100 status=none`,
    ]);
    await writer;
    const current = Number(readFileSync(path.join(dir, 'memory.current'), 'utf8'));
    console.info(`[cgroup v2] memory.current after writing 100 MiB: ${(current / MiB).toFixed(1)} MiB`);
    expect(current).toBeGreaterThan(90 * MiB);
    const found = await readIn(dir);
    await rm(file, { force: true });
    expect(found.available).toBeGreaterThan(200 * MiB);
  });
});
