// The cgroup's view beside testero's own: CgroupView over fake kernel trees (exact arithmetic), the
// kubelet-style du, /api/status and the gauges, through the app with real memory and files.
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DISK_MAX_PER_SIZE, MEMORY_MAX_PER_SIZE } from '@repo/chunks';
import { createLogger } from '@repo/service';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { CgroupView, workingSet } from './cgroup.ts';
import { CpuLoad } from './cpu.ts';
import { DiskFiles } from './disk.ts';
import { dirUsage } from './disk-usage.ts';
import { MemoryParts } from './memory.ts';
import { PartGroup } from './part-group.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const MiB = 1024n * 1024n;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tree(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'testero-status-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { root, paths: { proc: join(root, 'proc'), cgroupRoot: join(root, 'cgroup') } };
}

async function open(paths: { proc: string; cgroupRoot: string }, options = {}) {
  const view = await CgroupView.open({ paths, ...options });
  cleanups.push(() => view.close());
  return view;
}

describe('workingSet', () => {
  it('is usage minus inactive file pages, 0 below them, the usage without them (cAdvisor setMemoryStats)', () => {
    expect(workingSet(1000n, 300n)).toBe(700n);
    expect(workingSet(1000n, 1000n)).toBe(0n);
    expect(workingSet(1000n, 1001n)).toBe(0n);
    expect(workingSet(1000n, null)).toBe(1000n);
  });
});

describe('CgroupView', () => {
  it('reads cgroup v2: usage, working set, anon, file, peak, the smallest limit above, oom kills, CPU', async () => {
    const { paths, root } = await tree({
      'proc/self/cgroup': '0::/kubepods/pod1/app\n',
      'cgroup/kubepods/pod1/memory.max': `${512n * MiB}\n`,
      'cgroup/kubepods/pod1/app/memory.max': 'max\n',
      'cgroup/kubepods/pod1/app/memory.current': `${300n * MiB}\n`,
      'cgroup/kubepods/pod1/app/memory.stat': `anon ${200n * MiB}\nfile ${90n * MiB}\nactive_file 5\ninactive_file ${60n * MiB}\n`,
      'cgroup/kubepods/pod1/app/memory.peak': `${400n * MiB}\n`,
      'cgroup/kubepods/pod1/app/memory.events': 'low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n',
      'cgroup/kubepods/pod1/app/cpu.stat': 'usage_usec 1000000\nuser_usec 1\nsystem_usec 1\n',
      'cgroup/kubepods/pod1/app/cpu.max': 'max 100000\n',
      'cgroup/kubepods/pod1/cpu.max': '150000 100000\n',
    });
    const view = await open(paths, { sampleMs: 60_000 });
    const app = join(root, 'cgroup/kubepods/pod1/app');
    expect(await view.memory()).toEqual({
      version: 2,
      path: app,
      usage: 300n * MiB,
      workingSet: 240n * MiB,
      anon: 200n * MiB,
      file: 90n * MiB,
      inactiveFile: 60n * MiB,
      peak: 400n * MiB,
      limit: 512n * MiB,
      oomKills: 1n,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Half a second of CPU time in the cgroup since the first sample.
    await writeFile(join(app, 'cpu.stat'), 'usage_usec 1500000\n');
    const cpu = await view.cpu();
    expect(cpu).toMatchObject({ version: 2, path: app, limitMillicores: 1500 });
    expect(cpu.windowSeconds).toBeGreaterThanOrEqual(0.29);
    expect(Math.abs((cpu.millicores ?? 0) - 500_000 / (cpu.windowSeconds * 1000))).toBeLessThan(5);
  });

  it('reads cgroup v1 (total_* figures, hierarchical limit, oom_control) under a namespaced mount', async () => {
    const { paths, root } = await tree({
      // The path is the host's; our mount's root is our own cgroup (no cgroup namespace).
      'proc/self/cgroup': '5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n',
      'cgroup/memory/memory.usage_in_bytes': `${100n * MiB}\n`,
      'cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      'cgroup/memory/memory.max_usage_in_bytes': `${150n * MiB}\n`,
      'cgroup/memory/memory.stat': `cache 1\nrss 2\ninactive_file 3\nhierarchical_memory_limit ${256n * MiB}\ntotal_cache ${30n * MiB}\ntotal_rss ${70n * MiB}\ntotal_inactive_file ${20n * MiB}\n`,
      'cgroup/memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
      'cgroup/cpu,cpuacct/cpuacct.usage': '5000000000\n',
      'cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000\n',
      'cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    const view = await open(paths);
    expect(await view.memory()).toEqual({
      version: 1,
      path: join(root, 'cgroup/memory'),
      usage: 100n * MiB,
      workingSet: 80n * MiB,
      anon: 70n * MiB,
      file: 30n * MiB,
      inactiveFile: 20n * MiB,
      peak: 150n * MiB,
      limit: 256n * MiB,
      oomKills: 3n,
    });
    expect(await view.cpu()).toMatchObject({
      version: 1,
      path: join(root, 'cgroup/cpu,cpuacct'),
      limitMillicores: 500,
    });
  });

  it('says null where there is no memory cgroup, and measures this process alone meanwhile', async () => {
    const { paths } = await tree({ 'proc/self/cgroup': '0::/\n' });
    const view = await open(paths);
    expect(await view.memory()).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cpu = await view.cpu();
    expect(cpu).toMatchObject({ version: null, path: null, millicores: null, limitMillicores: null });
    expect(cpu.processMillicores).toBeGreaterThanOrEqual(0);
  });

  it('finds this machine’s own cgroup (v1 or v2) without failing', async () => {
    const view = await CgroupView.open();
    cleanups.push(() => view.close());
    const memory = await view.memory();
    if (memory) expect(memory.workingSet).toBeLessThanOrEqual(memory.usage);
  });
});

describe('dirUsage', () => {
  it('counts allocated blocks of files and directories, a hard link once, symlinks as themselves', async () => {
    const { root } = await tree({ 'd/a': 'x'.repeat(10_000), 'd/sub/b': 'y' });
    await link(join(root, 'd/a'), join(root, 'd/sub/a-again'));
    await symlink('/etc', join(root, 'd/etc-link'));
    const blocks = async (path: string) => BigInt((await stat(path)).blocks) * 512n;
    const { lstat } = await import('node:fs/promises');
    const expected =
      (await blocks(join(root, 'd'))) +
      (await blocks(join(root, 'd/a'))) +
      (await blocks(join(root, 'd/sub'))) +
      (await blocks(join(root, 'd/sub/b'))) +
      BigInt((await lstat(join(root, 'd/etc-link'))).blocks) * 512n;
    expect(await dirUsage(join(root, 'd'))).toEqual({ bytes: expected, inodes: 5 });
  });
});

describe('/api/status and the gauges', () => {
  async function setup() {
    const { paths, root } = await tree({
      'proc/self/cgroup': '0::/pod\n',
      'cgroup/pod/memory.max': `${GiB}\n`,
      'cgroup/pod/memory.current': `${100n * MiB}\n`,
      'cgroup/pod/memory.stat': `anon ${80n * MiB}\nfile ${20n * MiB}\ninactive_file ${15n * MiB}\n`,
      'cgroup/pod/memory.events': 'oom_kill 0\n',
      'cgroup/pod/cpu.stat': 'usage_usec 0\n',
    });
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    const files = await DiskFiles.create(dataDir);
    const memory = new PartGroup({
      holder: new MemoryParts(),
      maxPerSize: MEMORY_MAX_PER_SIZE,
      limit: 512n * MiB,
      logger,
      name: 'memory',
    });
    const disk = new PartGroup({
      holder: files,
      maxPerSize: DISK_MAX_PER_SIZE,
      limit: 256n * MiB,
      logger,
      name: 'disk',
    });
    const cpu = new CpuLoad({ numberToFactor: 493440589722494743501n, logger, maxMillicores: 2000 });
    const cgroup = await open(paths);
    const app = createApp({ config: { failureDelayMs: 0 }, logger, memory, disk, cpu, cgroup, dataDir });
    cleanups.unshift(() => Promise.all([cpu.close(), memory.close(), disk.close()]).then(() => undefined));
    const text = async (path: string) => (await app.request(path)).text();
    return { app, memory, disk, cpu, dataDir, text };
  }
  const GiB = 1024n * MiB;

  it('is one JSON document: targets, held, limits, leases, ramps, the cgroup and DATADIR', async () => {
    const { memory, disk, text, dataDir } = await setup();
    await text('/api/mem/set?size=1048576&ttl=600');
    await text('/api/disk/set?size=1048576&rate=100Mi');
    await Promise.all([memory.settled(), disk.settled()]);
    const status = JSON.parse(await text('/api/status'));
    expect(status.memory).toMatchObject({
      target: 1048576,
      held: 1048576,
      limit: 536870912,
      inProgress: false,
      ramp: null,
      lease: { ttlSeconds: 600 },
      limitInForce: { bytes: 1073741824, source: 'cgroup' },
      cgroup: {
        version: 2,
        usage: 104857600,
        workingSet: 89128960,
        anon: 83886080,
        file: 20971520,
        limit: 1073741824,
        oomKills: 0,
        peak: null,
      },
    });
    expect(status.memory.lease.secondsLeft).toBeGreaterThan(590);
    expect(status.disk).toMatchObject({
      target: 1048576,
      held: 1048576,
      limit: 268435456,
      lease: null,
      ramp: { outcome: 'reached', targetBytes: 1048576 },
      limitInForce: { bytes: 268435456, source: 'HIGHFILELIM' },
      dataDir: { path: dataDir, limit: 268435456 },
    });
    // The two 512 KiB files, the directories and the marker, as allocated on disk.
    expect(status.disk.dataDir.bytes).toBeGreaterThanOrEqual(1048576);
    expect(status.disk.dataDir.inodes).toBeGreaterThanOrEqual(6);
    expect(status.disk.dataDir.filesystem.available).toBeGreaterThan(0);
    expect(status.cpu).toMatchObject({
      active: false,
      millicores: 0,
      maxMillicores: 2000,
      lease: null,
      measured: { version: 2 },
    });
    // The JSON getacts carry the same figures; the text ones do not change.
    const memAct = JSON.parse(await text('/api/mem/getact?format=json'));
    expect(memAct).toMatchObject({ total: 1048576, cgroup: { workingSet: 89128960 }, lease: { ttlSeconds: 600 } });
    const diskAct = JSON.parse(await text('/api/disk/getact?format=json'));
    expect(diskAct.dataDir.bytes).toBe(status.disk.dataDir.bytes);
    expect(await text('/api/mem/getact')).toMatch(
      /^Last request ID: \d{19}\n(Parts of size: \d+, Count: \d+\n){5}Total size: 1048576 bytes\.\n$/,
    );
  });

  it('shows the CPU asked for and measured in the JSON getact while a load runs', async () => {
    const { text, cpu } = await setup();
    await text('/api/cpu/load?time=60&millicores=500&ttl=30');
    const act = JSON.parse(await text('/api/cpu/getact?format=json'));
    expect(act).toMatchObject({ active: true, millicores: 500, lease: { ttlSeconds: 30 }, measured: { version: 2 } });
    expect(typeof act.measured.processMillicores === 'number' || act.measured.processMillicores === null).toBe(true);
    await cpu.stop(cpu.current?.id ?? 0n);
  });

  it('serves the cgroup, DATADIR, lease and ramp gauges with values', async () => {
    const { memory, text } = await setup();
    await text('/api/mem/set?size=1048576&ttl=600');
    await memory.settled();
    // The CPU window needs two samples a little apart.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const metrics = await text('/metrics');
    for (const line of [
      'testero_cgroup_memory_usage_bytes 104857600',
      'testero_cgroup_memory_working_set_bytes 89128960',
      'testero_cgroup_memory_anon_bytes 83886080',
      'testero_cgroup_memory_file_bytes 20971520',
      'testero_cgroup_memory_inactive_file_bytes 15728640',
      'testero_cgroup_memory_limit_bytes 1073741824',
      'testero_cgroup_memory_oom_kills 0',
      'testero_memory_limit_in_force_bytes 1073741824',
      'testero_memory_held_bytes 1048576',
      'testero_memory_ramp_rate_bytes_per_second 0',
      'testero_disk_lease_seconds_left 0',
    ])
      expect(metrics).toContain(`${line}\n`);
    expect(metrics).toMatch(/^testero_memory_lease_seconds_left (59\d|600)$/m);
    expect(metrics).toMatch(/^testero_cgroup_cpu_usage_millicores \d+$/m);
    expect(metrics).toMatch(/^testero_process_cpu_usage_millicores \d+$/m);
    expect(metrics).toMatch(/^testero_datadir_usage_bytes [1-9]\d+$/m);
    expect(metrics).toMatch(/^testero_datadir_inodes [1-9]\d*$/m);
    expect(metrics).toMatch(/^testero_datadir_filesystem_available_bytes [1-9]\d+$/m);
    // No peak on this "kernel": NaN (no value) rather than a made-up 0.
    // (prom-client writes it `Nan`; Prometheus reads NaN in any case.)
    expect(metrics).toMatch(/^testero_cgroup_memory_peak_bytes nan$/im);
  });
});
