// The optional parameters of set and load: size=N% (a share of the limit in force), rate= (a ramp) and
// ttl= (a lease), through the app itself with real memory, real files and real CPU threads.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DISK_MAX_PER_SIZE, MEMORY_MAX_PER_SIZE } from '@repo/chunks';
import { createLogger } from '@repo/service';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { CgroupView } from './cgroup.ts';
import { CpuLoad } from './cpu.ts';
import { DiskFiles } from './disk.ts';
import { MemoryParts } from './memory.ts';
import { PartGroup } from './part-group.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const MiB = 1024n * 1024n;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fake /proc and /sys/fs/cgroup with a v2 memory limit, read by the real CgroupView. */
async function fakeCgroup(limit: bigint) {
  const root = await mkdtemp(join(tmpdir(), 'testero-fake-cgroup-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const files = {
    'proc/self/cgroup': '0::/pod\n',
    'cgroup/pod/memory.max': `${limit}\n`,
    'cgroup/pod/memory.current': '1000\n',
    'cgroup/pod/memory.stat': 'anon 500\nfile 500\ninactive_file 100\n',
    'cgroup/pod/cpu.stat': 'usage_usec 1000\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return CgroupView.open({ paths: { proc: join(root, 'proc'), cgroupRoot: join(root, 'cgroup') } });
}

async function setup(options: { memoryLimit?: bigint; diskLimit?: bigint; cgroupLimit?: bigint } = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'testero-targets-'));
  const files = await DiskFiles.create(dataDir);
  const memory = new PartGroup({
    holder: new MemoryParts(),
    maxPerSize: MEMORY_MAX_PER_SIZE,
    limit: options.memoryLimit ?? 512n * MiB,
    logger,
    name: 'memory',
  });
  const disk = new PartGroup({
    holder: files,
    maxPerSize: DISK_MAX_PER_SIZE,
    limit: options.diskLimit ?? 256n * MiB,
    logger,
    name: 'disk',
  });
  const cpu = new CpuLoad({ numberToFactor: 493440589722494743501n, logger, maxMillicores: 2000 });
  const cgroup = options.cgroupLimit === undefined ? undefined : await fakeCgroup(options.cgroupLimit);
  const app = createApp({ config: { failureDelayMs: 0 }, logger, memory, disk, cpu, cgroup, dataDir });
  cleanups.unshift(async () => {
    cgroup?.close();
    await Promise.all([cpu.close(), memory.close(), disk.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, text: await res.text() };
  };
  const json = async (path: string) => {
    const res = await app.request(path, { headers: { Accept: 'application/json' } });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };
  return { memory, disk, cpu, files, get, json };
}

describe('size=N%', () => {
  it('is a share of the cgroup memory limit where there is one, in the original answer line', async () => {
    const { get, json, memory } = await setup({ cgroupLimit: 40n * MiB });
    const res = await get('/api/mem/set?size=50%25');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /^Memory data request sent for 20971520 bytes, with id#: \d{19}, check \/api\/mem\/getact\n$/,
    );
    await memory.settled();
    expect(memory.heldBytes()).toBe(20n * MiB);
    const set = await json('/api/mem/set?size=12.5%');
    expect(set.body).toMatchObject({
      requested: 5242880,
      share: '12.5%',
      limitInForce: { bytes: 41943040, source: 'cgroup' },
    });
    await memory.settled();
  });

  it('is a share of HIGHMEMLIM without a cgroup limit, and of HIGHFILELIM for disk', async () => {
    const { json, memory, disk } = await setup({ memoryLimit: 8n * MiB, diskLimit: 4n * MiB });
    expect((await json('/api/mem/set?size=100%')).body).toMatchObject({
      requested: 8388608,
      limitInForce: { bytes: 8388608, source: 'HIGHMEMLIM' },
    });
    await memory.settled();
    expect(memory.heldBytes()).toBe(8n * MiB);
    expect((await json('/api/disk/set?size=25%')).body).toMatchObject({
      requested: 1048576,
      limitInForce: { bytes: 4194304, source: 'HIGHFILELIM' },
    });
    await disk.settled();
    expect(disk.heldBytes()).toBe(1048576n);
    expect((await json('/api/mem/set?size=0%')).body).toMatchObject({ requested: 0 });
    await memory.settled();
    expect(memory.heldBytes()).toBe(0n);
  });

  it('above the testero limit gets the original over-limit line', async () => {
    // The cgroup allows 64 MiB; testero was told 16 MiB (HIGHMEMLIM): 50 % of the cgroup is over it.
    const { get } = await setup({ cgroupLimit: 64n * MiB, memoryLimit: 16n * MiB });
    const res = await get('/api/mem/set?size=50%');
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      'Could not compute memory parts: Size requested is over the limit: requested 33554432 bytes, limit: 16777216 bytes.\n',
    );
  });

  it.each([
    ['101%', '`size` is over 100% (101%)'],
    ['100.5%', '`size` is over 100% (100.5%)'],
    ['-5%', '`size` is negative (-5%)'],
    ['%', '`size` is not a valid percentage (%)'],
    ['abc%', '`size` is not a valid percentage (abc%)'],
    ['1e2%', '`size` is not a valid percentage (1e2%)'],
    ['12.34567%', '`size` is not a valid percentage (12.34567%)'],
  ])('refuses size=%s with 400 saying what is expected', async (size, problem) => {
    const { get, memory, disk } = await setup();
    for (const group of ['mem', 'disk']) {
      const res = await get(`/api/${group}/set?size=${encodeURIComponent(size)}`);
      expect(res.status).toBe(400);
      expect(res.text).toBe(
        `Bad request: ${problem}; expected a share of the limit in force from 0% to 100% (e.g. 80% or 12.5%), or a whole number of bytes\n`,
      );
    }
    expect(memory.busy || disk.busy).toBe(false);
    expect(memory.definition.total + disk.definition.total).toBe(0n);
  });
});

describe('rate=', () => {
  it('ramps up at about the rate, never ahead of it, with progress in getact JSON, and the text unchanged', async () => {
    const { get, json, memory } = await setup();
    // 16 MiB at 8 MiB/s: about 2 s.
    const started = performance.now();
    const res = await json('/api/mem/set?size=16777216&rate=8Mi');
    expect(res.body).toMatchObject({ requested: 16777216, rateBytesPerSecond: 8388608 });
    const samples: { ms: number; held: bigint; progress: number }[] = [];
    while (memory.busy) {
      const act = await json('/api/mem/getact');
      samples.push({ ms: performance.now() - started, held: memory.heldBytes(), progress: act.body.ramp.progress });
      expect(act.body.ramp).toMatchObject({ rateBytesPerSecond: 8388608, targetBytes: 16777216, outcome: 'running' });
      // Never ahead of the line rate × elapsed (a little slack for the moment between reading and sampling).
      expect(Number(memory.heldBytes())).toBeLessThanOrEqual(8388608 * ((performance.now() - started) / 1000) + 262144);
      // The busy rule holds while a ramp runs.
      expect((await get('/api/mem/set?size=0')).text).toBe('Server busy, try again later\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const elapsed = (performance.now() - started) / 1000;
    expect(memory.heldBytes()).toBe(16n * MiB);
    expect(elapsed).toBeGreaterThanOrEqual(1.9);
    // Progress only grows, and was seen part of the way.
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]?.held).toBeGreaterThanOrEqual(samples[i - 1]?.held ?? 0n);
      expect(samples[i]?.progress).toBeGreaterThanOrEqual(samples[i - 1]?.progress ?? 0);
    }
    expect(samples.some((s) => s.held > 0n && s.held < 16n * MiB)).toBe(true);
    const done = await json('/api/mem/getact');
    expect(done.body.ramp).toMatchObject({ outcome: 'reached', progress: 1, movedBytes: 16777216, secondsLeft: 0 });
    expect(done.body.ramp.achievedBytesPerSecond).toBeLessThanOrEqual(8388608 * 1.05);
    expect((await get('/api/mem/getact')).text).toMatch(
      /^Last request ID: \d{19}\n(Parts of size: \d+, Count: \d+\n){5}Total size: 16777216 bytes\.\n$/,
    );
  });

  it('grows the largest parts first, so the target is approached in small steps, and ramps down too', async () => {
    const { json, memory } = await setup();
    // 100000000 bytes: 20 × 256 KiB, 23 × 1 MiB, 17 × 4 MiB (the spec's example), at 64 MiB/s.
    await json('/api/mem/set?size=100000000&rate=64Mi');
    await expect.poll(() => memory.heldBytes(), { timeout: 10_000, interval: 10 }).toBeGreaterThan(0n);
    expect(memory.holder.counts()[0]).toBe(0);
    expect(memory.holder.counts()[2]).toBeGreaterThan(0);
    await memory.settled();
    expect(memory.holder.counts()).toEqual([20, 23, 17, 0, 0]);
    const down = await json('/api/mem/set?size=0&rate=200MiB/s');
    expect(down.status).toBe(200);
    await memory.settled();
    expect(memory.heldBytes()).toBe(0n);
    expect((await json('/api/mem/getact')).body.ramp).toMatchObject({
      fromBytes: 100663296,
      targetBytes: 0,
      movedBytes: 100663296,
      outcome: 'reached',
    });
  });

  it.each([
    ['', '`rate` is empty'],
    ['0', '`rate` is out of range (0)'],
    ['-1Mi', '`rate` is negative (-1Mi)'],
    ['fast', '`rate` is not a rate (fast)'],
    ['1.5Mi', '`rate` is not a rate (1.5Mi)'],
    ['10Xi', '`rate` is not a rate (10Xi)'],
    ['99999999999999999999Ti', '`rate` is out of range (99999999999999999999Ti)'],
  ])('refuses rate=%s with 400 saying what is expected', async (rate, problem) => {
    const { get, memory } = await setup();
    const res = await get(`/api/mem/set?size=1048576&rate=${encodeURIComponent(rate)}`);
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      `Bad request: ${problem}; expected bytes per second from 1: a whole number with an optional unit (K, M, G, T = 1000ⁿ; Ki, Mi, Gi, Ti = 1024ⁿ; a trailing B or /s is allowed), e.g. 10Mi or 10MiB/s\n`,
    );
    expect(memory.definition.total).toBe(0n);
  });
});

describe('ttl=', () => {
  it('gives the memory back by itself when the lease ends, with the time left in getact JSON', async () => {
    const { json, get, memory } = await setup();
    const set = await json('/api/mem/set?size=8388608&ttl=2');
    expect(set.body).toMatchObject({ ttlSeconds: 2, lease: { ttlSeconds: 2, id: set.body.id } });
    await memory.settled();
    expect(memory.heldBytes()).toBe(8n * MiB);
    const act = await json('/api/mem/getact');
    expect(act.body.lease.secondsLeft).toBeGreaterThan(0);
    expect(act.body.lease.secondsLeft).toBeLessThanOrEqual(2);
    await expect.poll(() => memory.heldBytes(), { timeout: 10_000, interval: 100 }).toBe(0n);
    await memory.settled();
    expect((await json('/api/mem/getact')).body.lease).toBeNull();
    // The lease's set stays the last request; getdef shows the release.
    expect((await get('/api/mem/getact')).text).toContain(`Last request ID: ${set.body.id}\n`);
    expect((await get('/api/mem/getdef')).text).toContain('Total size reserved: 0 bytes.');
  });

  it('deletes the files by itself when the lease ends', async () => {
    const { json, disk, files } = await setup();
    await json('/api/disk/set?size=2097152&ttl=1');
    await disk.settled();
    expect(await files.countExisting()).toEqual([4, 0, 0, 0, 0]);
    await expect.poll(() => files.countExisting(), { timeout: 10_000, interval: 100 }).toEqual([0, 0, 0, 0, 0]);
    expect(await readdir(files.dirOf(0))).toEqual([]);
  });

  it('stops a ramp that is still running when the lease ends, then releases', async () => {
    const { json, memory } = await setup();
    await json('/api/mem/set?size=67108864&rate=1Mi&ttl=1');
    await expect.poll(() => memory.ramp?.outcome, { timeout: 10_000, interval: 50 }).toBe('stopped');
    await expect.poll(() => memory.heldBytes(), { timeout: 10_000, interval: 50 }).toBe(0n);
  });

  it('is replaced by a later set: that set keeps its target', async () => {
    const { json, memory } = await setup();
    await json('/api/mem/set?size=1048576&ttl=1');
    await memory.settled();
    await json('/api/mem/set?size=2097152');
    await memory.settled();
    expect(memory.lease).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(memory.heldBytes()).toBe(2n * MiB);
  });

  it('stops a CPU load by itself when the lease ends', async () => {
    const { json, get, cpu } = await setup();
    const load = await json('/api/cpu/load?time=600&ttl=1');
    expect(load.body).toMatchObject({ seconds: 600, ttlSeconds: 1, lease: { ttlSeconds: 1 } });
    const act = await json('/api/cpu/getact');
    expect(act.body).toMatchObject({ active: true, lease: { ttlSeconds: 1 } });
    expect(act.body.lease.secondsLeft).toBeLessThanOrEqual(1);
    await expect.poll(() => cpu.current, { timeout: 10_000, interval: 100 }).toBeUndefined();
    expect((await get('/api/cpu/getact')).text).toBe('No load request in progress\n');
  });

  it.each([
    ['/api/mem/set?size=1&ttl=0', '`ttl` is out of range (0)'],
    ['/api/disk/set?size=1&ttl=', '`ttl` is empty'],
    ['/api/mem/set?size=1&ttl=1.5', '`ttl` is not a whole number (1.5)'],
    ['/api/cpu/load?time=5&ttl=-3', '`ttl` is negative (-3)'],
    ['/api/cpu/load?time=5&ttl=soon', '`ttl` is not a number (soon)'],
    ['/api/mem/set?size=1&ttl=31536001', '`ttl` is out of range (31536001)'],
  ])('refuses %s with 400 saying what is expected', async (path, problem) => {
    const { get, memory, cpu } = await setup();
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.text).toBe(`Bad request: ${problem}; expected a whole number of seconds from 1 to 31536000\n`);
    expect(memory.definition.total).toBe(0n);
    expect(cpu.current).toBeUndefined();
  });
});
