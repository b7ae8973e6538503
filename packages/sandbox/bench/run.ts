// Overhead of the sandbox over a plain execa call, at each level this host allows.
// `pnpm --filter @repo/sandbox bench` (ROUNDS=200 to change the sample size, default 100).
// Rounds are interleaved (direct, full, namespaces, basic, direct, ...) so the load of a shared machine hits
// every variant alike; the overhead is the median (and p95) of the per-round differences to direct.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-bench-'));
const variants: Array<{ name: string; sandbox: Sandbox; box: Awaited<ReturnType<Sandbox['createBox']>> }> = [];
try {
  for (const level of levels) {
    const sandbox = await Sandbox.create({ workRoot, boxes: 1, disable: level.disable });
    if (sandbox.isolation.level !== level.name) {
      console.log(`${level.name}: not available here`);
      await sandbox.close();
      continue;
    }
    variants.push({ name: level.name, sandbox, box: await sandbox.createBox(0) });
  }
  console.log(`rounds: ${rounds} (+${warmup} warm-up), interleaved; ms of the whole call as the caller sees it`);
  for (const argv of commands) {
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
} finally {
  for (const v of variants) await v.sandbox.close();
  rmSync(workRoot, { recursive: true, force: true });
}
