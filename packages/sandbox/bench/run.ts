// Overhead of the sandbox over a plain execa call, at each level this host allows.
// `pnpm --filter @repo/sandbox bench` (ROUNDS=200 to change the sample size, default 100).
// Rounds are interleaved (direct, full, namespaces, basic, direct, ...) so the load of a shared machine hits
// every variant alike; the overhead is the median (and p95) of the per-round differences to direct.
// Then (BENCH=concurrency for this part only, BENCH=serial for the first only) two boxes of one `full`
// sandbox run `python3 -c pass` back to back concurrently (CONC_ROUNDS each, default 200), as a server
// does: runs/s and how much of the event loop the sandbox took (utilisation, busy ms per run, loop delay).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { type IsolationLayer, Sandbox } from '../src/index.ts';

const rounds = Math.max(1, Number(process.env.ROUNDS ?? 100));
const warmup = 20;
const commands: Array<[string, ...string[]]> = [['/bin/true'], ['/usr/bin/python3', '-c', 'pass']];

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { median: at(0.5), p95: at(0.95) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const fmt = (n: number) => n.toFixed(2).padStart(7);
const levels: Array<{ name: string; disable: IsolationLayer[] }> = [
  { name: 'full', disable: [] },
  { name: 'namespaces', disable: ['cgroups'] },
  { name: 'basic', disable: ['cgroups', 'namespaces'] },
];

// BALLAST_MB: resident memory to hold, as a real server does (fork cost grows with the parent's RSS).
const ballast = Buffer.alloc(Math.max(0, Number(process.env.BALLAST_MB ?? 0)) << 20, 1);
const part = process.env.BENCH ?? 'all';
// BASE_UID: first box uid (default 60000; another range keeps clear of a server or tests on the same host).
const baseUid = Number(process.env.BASE_UID ?? 60000);
const concurrencyRounds = Math.max(1, Number(process.env.CONC_ROUNDS ?? 200));

async function concurrency(workRoot: string): Promise<void> {
  const sandbox = await Sandbox.create({ workRoot, boxes: 2, baseUid });
  try {
    const boxes = [await sandbox.createBox(0), await sandbox.createBox(1)];
    const argv: [string, ...string[]] = ['/usr/bin/python3', '-c', 'pass'];
    const loop = async (box: (typeof boxes)[number], n: number) => {
      for (let i = 0; i < n; i++) {
        const result = await sandbox.run({ box, argv });
        if (result.status !== 'ok') throw new Error(`concurrent run: ${JSON.stringify(result)}`);
        await box.reset(); // as code-runner does between requests
      }
    };
    await Promise.all(boxes.map((box) => loop(box, 10))); // warm-up
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    await Promise.all(boxes.map((box) => loop(box, concurrencyRounds)));
    const seconds = (performance.now() - start) / 1000;
    const used = performance.eventLoopUtilization(elu);
    delay.disable();
    const runs = 2 * concurrencyRounds;
    const ms = (ns: number) => (ns / 1e6).toFixed(2);
    console.log(
      `\nconcurrency: ${sandbox.isolation.level}, ${sandbox.launcherPid === null ? 'spawned directly' : 'through the launcher'}, 2 boxes x ${concurrencyRounds} runs of python3 -c pass + reset, load ${os.loadavg()[0]?.toFixed(2)}, rss ${process.memoryUsage().rss >> 20} MB (ballast ${ballast.length >> 20} MB)`,
    );
    console.log(`  runs/s ${(runs / seconds).toFixed(1)}  wall ${seconds.toFixed(2)} s`);
    console.log(
      `  event loop: utilisation ${(used.utilization * 100).toFixed(1)}%  busy ${(used.active / runs).toFixed(2)} ms/run  delay mean ${ms(delay.mean)} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms`,
    );
  } finally {
    await sandbox.close();
  }
}

const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-bench-'));
const variants: Array<{ name: string; sandbox: Sandbox; box: Awaited<ReturnType<Sandbox['createBox']>> }> = [];
try {
  for (const level of part === 'concurrency' ? [] : levels) {
    const sandbox = await Sandbox.create({ workRoot, boxes: 1, disable: level.disable, baseUid });
    if (sandbox.isolation.level !== level.name) {
      console.log(`${level.name}: not available here`);
      await sandbox.close();
      continue;
    }
    variants.push({ name: level.name, sandbox, box: await sandbox.createBox(0) });
  }
  if (part !== 'concurrency')
    console.log(`rounds: ${rounds} (+${warmup} warm-up), interleaved; ms of the whole call as the caller sees it`);
  for (const argv of part === 'concurrency' ? [] : commands) {
    const [file, ...args] = argv;
    const direct = () => execa(file, args, { reject: false });
    const runs = variants.map((v) => async () => {
      const result = await v.sandbox.run({ box: v.box, argv });
      if (result.status !== 'ok') throw new Error(`${v.name} ${argv.join(' ')}: ${JSON.stringify(result)}`);
    });
    const samples = { direct: [] as number[], levels: variants.map(() => [] as number[]) };
    for (let round = 0; round < warmup + rounds; round++) {
      const d = await time(direct);
      const levelTimes: number[] = [];
      for (const run of runs) levelTimes.push(await time(run));
      if (round < warmup) continue;
      samples.direct.push(d);
      for (const [i, t] of levelTimes.entries()) samples.levels[i]?.push(t);
    }
    const d = stats(samples.direct);
    console.log(`\n${argv.join(' ')}`);
    console.log(`  ${'direct execa'.padEnd(13)} median ${fmt(d.median)}  p95 ${fmt(d.p95)}`);
    variants.forEach((v, i) => {
      const own = samples.levels[i] as number[];
      const s = stats(own);
      const over = stats(own.map((t, r) => t - (samples.direct[r] as number)));
      console.log(
        `  ${v.name.padEnd(13)} median ${fmt(s.median)}  p95 ${fmt(s.p95)}  overhead median ${fmt(over.median)}  p95 ${fmt(over.p95)}`,
      );
    });
  }
  if (part !== 'serial') await concurrency(workRoot);
} finally {
  for (const v of variants) await v.sandbox.close();
  rmSync(workRoot, { recursive: true, force: true });
}
