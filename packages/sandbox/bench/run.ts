// Overhead of the sandbox over a plain execa call, measured in one run at each level this host allows.
// `pnpm --filter @repo/sandbox bench` (ROUNDS=200 to change the sample size).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { type IsolationLayer, Sandbox } from '../src/index.ts';

const rounds = Number(process.env.ROUNDS ?? 100);
const commands: Array<[string, ...string[]]> = [['/bin/true'], ['/usr/bin/python3', '-c', 'pass']];

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { median: at(0.5), p95: at(0.95) };
}

async function measure(fn: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

const fmt = (n: number) => n.toFixed(2).padStart(7);
const levels: Array<{ name: string; disable: IsolationLayer[] }> = [
  { name: 'full', disable: [] },
  { name: 'namespaces', disable: ['cgroups'] },
  { name: 'basic', disable: ['cgroups', 'namespaces'] },
];

console.log(`rounds: ${rounds}, times in ms (wall time of the whole call, as the caller sees it)`);
for (const argv of commands) {
  const [file, ...args] = argv;
  const direct = await measure(() => execa(file, args, { reject: false }));
  console.log(`\n${argv.join(' ')}`);
  console.log(`  ${'direct execa'.padEnd(14)} median ${fmt(direct.median)}  p95 ${fmt(direct.p95)}`);
  for (const level of levels) {
    const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sandbox-bench-'));
    const sandbox = await Sandbox.create({ workRoot, boxes: 1, disable: level.disable });
    try {
      if (sandbox.isolation.level !== level.name) {
        console.log(`  ${level.name.padEnd(14)} not available here`);
        continue;
      }
      const box = await sandbox.createBox(0);
      const timed = await measure(async () => {
        const result = await sandbox.run({ box, argv });
        if (result.status !== 'ok') throw new Error(`${argv.join(' ')}: ${JSON.stringify(result)}`);
      });
      console.log(
        `  ${level.name.padEnd(14)} median ${fmt(timed.median)}  p95 ${fmt(timed.p95)}  overhead median ${fmt(timed.median - direct.median)}  p95 ${fmt(timed.p95 - direct.p95)}`,
      );
    } finally {
      await sandbox.close();
      rmSync(workRoot, { recursive: true, force: true });
    }
  }
}
