// testero benchmark: each figure is measured in this run, next to the floor it is compared with.
//   pnpm --filter testero bench            (BENCH_CPU_SECONDS=3 for a quick run)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DISK_MAX_PER_SIZE, DISK_PART_SIZES, MEMORY_MAX_PER_SIZE, MEMORY_PART_SIZES, plan } from '@repo/chunks';
import autocannon from 'autocannon';

const GiB = 1024 ** 3;
const cpuSeconds = Number(process.env.BENCH_CPU_SECONDS ?? 10);
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
// The bundle the image runs (`pnpm bench` builds it first).
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const floorScript = fileURLToPath(new URL('./alloc-floor.ts', import.meta.url));
const dataDir = await mkdtemp(join(process.env.BENCH_DATADIR ?? tmpdir(), 'testero-bench-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(): Promise<{ child: ChildProcess; base: string; pid: number }> {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATADIR: dataDir,
      LOG_LEVEL: 'warn',
      HIGHMEMLIM: String(4 * GiB),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // With LOG_LEVEL=warn the "listening" line is not printed: find the port from /proc instead.
  await sleep(100);
  const pid = child.pid as number;
  for (let i = 0; i < 100; i++) {
    const port = await listeningPort(pid);
    if (port) return { child, base: `http://127.0.0.1:${port}`, pid };
    await sleep(100);
  }
  throw new Error('testero did not start listening');
}

/** The TCP port a process listens on, from /proc/net/tcp and its socket inodes. */
async function listeningPort(pid: number): Promise<number | undefined> {
  const { readdir, readlink } = await import('node:fs/promises');
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && inodes.has(f[9] ?? '')) return Number.parseInt(f[1]?.split(':')[1] ?? '', 16);
  }
  return undefined;
}

async function rss(pid: number): Promise<number> {
  return Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

async function cpuUsed(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / clockTicks;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Sets a group to `size` and polls getact (recording each answer's latency) until the plan's total is held. */
async function setAndWait(base: string, group: 'mem' | 'disk', size: number, planned: bigint) {
  const latencies: number[] = [];
  const started = performance.now();
  const res = await fetch(`${base}/api/${group}/set?size=${size}`);
  if (res.status !== 200) throw new Error(`set failed: ${res.status} ${await res.text()}`);
  for (;;) {
    const t = performance.now();
    const body = (await (await fetch(`${base}/api/${group}/getact?format=json`)).json()) as {
      total: number;
      inProgress: boolean;
    };
    latencies.push(performance.now() - t);
    if (BigInt(body.total) === planned && !body.inProgress) break;
    await sleep(5);
  }
  return { seconds: (performance.now() - started) / 1000, latencies };
}

/** What the JSON getact says of the last ramp. */
interface RampFigures {
  outcome: 'running' | 'reached' | 'stopped' | 'failed';
  movedBytes: string | number;
  startedAt: string;
  endedAt: string | null;
}

const rows: string[][] = [];
const row = (...cells: (string | number)[]) => {
  rows.push(cells.map(String));
  process.stderr.write(`${cells.join(' | ')}\n`);
};

const { child, base, pid } = await startServer();
try {
  // Memory: 1 GiB resident through the API, against a bare process doing the same. Best of three for
  // both, alternating: on a shared 2-core machine single runs vary by up to 2x.
  const memPlan = plan(BigInt(GiB), MEMORY_PART_SIZES, MEMORY_MAX_PER_SIZE).total;
  const rssBefore = await rss(pid);
  const bare = () =>
    Number(execFileSync(process.execPath, [floorScript, String(memPlan)], { encoding: 'utf8' })) / 1000;
  let floor = Number.POSITIVE_INFINITY;
  let mem = { seconds: Number.POSITIVE_INFINITY, latencies: [] as number[] };
  let rssGain = 0;
  for (let round = 0; round < 3; round++) {
    floor = Math.min(floor, bare());
    const run = await setAndWait(base, 'mem', GiB, memPlan);
    rssGain = (await rss(pid)) - rssBefore;
    if (run.seconds < mem.seconds) mem = run;
    await setAndWait(base, 'mem', 0, 0n);
  }
  row(
    'mem/set 1 GiB resident (best of 3)',
    `${mem.seconds.toFixed(3)} s`,
    `floor (bare node, same size) ${floor.toFixed(3)} s`,
    `ratio ${(mem.seconds / floor).toFixed(2)} (target ≤ 1.25)`,
  );
  row(
    '  VmRSS gain',
    `${(rssGain / GiB).toFixed(3)} GiB`,
    `planned ${(Number(memPlan) / GiB).toFixed(3)} GiB`,
    rssGain >= Number(memPlan) * 0.98 ? 'ok' : 'LOW',
  );
  row(
    '  getact latency while the 1 GiB set runs',
    `p50 ${percentile(mem.latencies, 50).toFixed(1)} ms`,
    `p99 ${percentile(mem.latencies, 99).toFixed(1)} ms`,
    `max ${Math.max(...mem.latencies).toFixed(1)} ms (${mem.latencies.length} polls)`,
  );
  row('  VmRSS after size=0', `${(((await rss(pid)) - rssBefore) / 2 ** 20).toFixed(1)} MiB above start`);

  // Disk: 1 GiB of fsynced files through the API, against dd on the same filesystem (best of 2 each).
  const diskPlan = plan(BigInt(GiB), DISK_PART_SIZES, DISK_MAX_PER_SIZE).total;
  let disk = Number.POSITIVE_INFINITY;
  let dd = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 2; round++) {
    disk = Math.min(disk, (await setAndWait(base, 'disk', GiB, diskPlan)).seconds);
    await setAndWait(base, 'disk', 0, 0n);
    const out = join(dataDir, 'dd.bin');
    const ddStarted = performance.now();
    execFileSync('dd', ['if=/dev/zero', `of=${out}`, 'bs=512K', `count=${Number(diskPlan) / 2 ** 19}`, 'conv=fsync'], {
      stdio: 'ignore',
    });
    dd = Math.min(dd, (performance.now() - ddStarted) / 1000);
    await rm(out);
  }
  row(
    'disk/set 1 GiB written (best of 2)',
    `${disk.toFixed(3)} s`,
    `dd conv=fsync (same size) ${dd.toFixed(3)} s`,
    `ratio ${(disk / dd).toFixed(2)} (target ≤ 1.25)`,
  );

  // CPU: what the process really used for each millicores value, minus what the same process uses
  // idle while polled the same way (measured just before, over the same duration).
  const pollUntilIdle = async (seconds: number) => {
    const until = performance.now() + seconds * 1000;
    for (;;) {
      await sleep(100);
      const idle = (await (await fetch(`${base}/api/cpu/getact`)).text()).startsWith('No load');
      if (idle && performance.now() >= until) return;
    }
  };
  const idleBefore = await cpuUsed(pid);
  await pollUntilIdle(cpuSeconds);
  const idle = (await cpuUsed(pid)) - idleBefore;
  row(`idle server, polled for ${cpuSeconds} s`, `used ${idle.toFixed(2)} s CPU`, '(subtracted below)');
  for (const millicores of [250, 500, 1000, 1500]) {
    const before = await cpuUsed(pid);
    const started = performance.now();
    await fetch(`${base}/api/cpu/load?time=${cpuSeconds}&millicores=${millicores}`);
    await pollUntilIdle(0);
    const wall = (performance.now() - started) / 1000;
    const used = (await cpuUsed(pid)) - before - idle;
    const got = (used / cpuSeconds) * 1000;
    row(
      `cpu/load millicores=${millicores} for ${cpuSeconds} s`,
      `used ${used.toFixed(2)} s CPU in ${wall.toFixed(2)} s`,
      `= ${got.toFixed(0)} millicores`,
      `error ${(((got - millicores) / millicores) * 100).toFixed(1)} % (target ±5 %)`,
    );
  }

  // How closely a ramp keeps its rate (issue 16): achieved bytes per second against asked, memory and disk.
  for (const group of ['mem', 'disk'] as const) {
    for (const [label, rate, size] of [
      ['10 MiB/s', 10 * 2 ** 20, 64 * 2 ** 20],
      ['200 MiB/s', 200 * 2 ** 20, 1024 * 2 ** 20],
    ] as const) {
      const set = await fetch(`${base}/api/${group}/set?size=${size}&rate=${rate}&format=json`);
      if (set.status !== 200) throw new Error(`ramp set failed: ${set.status} ${await set.text()}`);
      let ramp: RampFigures | undefined;
      for (let i = 0; i < 6000; i++) {
        ramp = ((await (await fetch(`${base}/api/${group}/getact?format=json`)).json()) as { ramp?: RampFigures }).ramp;
        if (ramp && ramp.outcome !== 'running') break;
        await sleep(20);
      }
      if (ramp?.outcome !== 'reached' || ramp.endedAt === null) {
        throw new Error(`ramp of ${group} did not reach its target: ${JSON.stringify(ramp)}`);
      }
      const seconds = (Date.parse(ramp.endedAt) - Date.parse(ramp.startedAt)) / 1000;
      const achieved = Number(ramp.movedBytes) / seconds;
      row(
        `${group} ramp to ${size / 2 ** 20} MiB at ${label}`,
        `${(achieved / 2 ** 20).toFixed(1)} MiB/s achieved in ${seconds.toFixed(2)} s`,
        `${((achieved / rate) * 100).toFixed(1)} % of the rate asked`,
      );
      await setAndWait(base, group, 0, 0n);
    }
  }

  // Throughput of a reader.
  const result = await autocannon({ url: `${base}/api/mem/getact`, connections: 10, duration: 5 });
  row(
    'GET /api/mem/getact (autocannon, 10 connections, 5 s)',
    `${result.requests.average.toFixed(0)} req/s`,
    `p99 latency ${result.latency.p99} ms`,
    `errors ${result.errors + result.non2xx}`,
  );
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit');
  await rm(dataDir, { recursive: true, force: true });
}

process.stdout.write(`\ntestero benchmark (node ${process.version}, ${rows.length} figures)\n`);
for (const cells of rows) process.stdout.write(`${cells.filter(Boolean).join('  |  ')}\n`);
