// Helpers of bench/run.ts: the floor driver (spawn-floor.c), samplers, interleaved measuring and statistics.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Runs `argv` `count` times, each after `pauseMs` (not timed), and gives the ms of each run. */
export type Sampler = (argv: [string, ...string[]], count: number, pauseMs: number) => Promise<number[]>;

export interface Stats {
  median: number;
  p95: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95) };
}

export const fmt = (n: number) => n.toFixed(2).padStart(7);

/** Compiles spawn-floor.c with `cc -O2` into `dir`; the sampler runs the driver once per batch. */
export async function floorSampler(dir: string): Promise<Sampler> {
  const source = fileURLToPath(new URL('spawn-floor.c', import.meta.url));
  const driver = path.join(dir, 'spawn-floor');
  await execa('cc', ['-O2', '-o', driver, source]);
  return async (argv, count, pauseMs) => {
    const { stdout } = await execa(driver, [String(count), String(Math.round(pauseMs)), ...argv]);
    const times = stdout.split('\n').filter(Boolean).map(Number);
    if (times.length !== count || times.some((t) => !Number.isFinite(t)))
      throw new Error(`spawn-floor gave ${JSON.stringify(stdout.slice(0, 200))}`);
    return times;
  };
}

/** A sampler that times `run` in this process. */
export function callSampler(run: (argv: [string, ...string[]]) => Promise<void>): Sampler {
  return async (argv, count, pauseMs) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      if (pauseMs > 0) await sleep(pauseMs);
      const start = performance.now();
      await run(argv);
      times.push(performance.now() - start);
    }
    return times;
  };
}

/**
 * Takes `samples` (+ `warmup`, dropped) runs of `argv` from every sampler, in turns of `batch` runs per sampler
 * (floor, A, B, ..., floor, A, B, ...) so that the load of a shared machine falls on all alike. Sample k of
 * one sampler and sample k of another come from the same turn: their difference is a paired one.
 */
export async function interleave(
  samplers: Sampler[],
  argv: [string, ...string[]],
  options: { samples: number; warmup: number; batch: number; pauseMs: number },
): Promise<number[][]> {
  const { samples, warmup, batch, pauseMs } = options;
  const out = samplers.map(() => [] as number[]);
  for (let taken = 0; taken < warmup + samples; taken += batch) {
    const count = Math.min(batch, warmup + samples - taken);
    for (const [i, sampler] of samplers.entries()) out[i]?.push(...(await sampler(argv, count, pauseMs)));
  }
  return out.map((list) => list.slice(warmup));
}

/** Median and p95 of the per-sample differences of `own` to `base` (paired by index). */
export function over(own: number[], base: number[]): Stats {
  return stats(own.map((t, i) => t - (base[i] ?? Number.NaN)));
}
