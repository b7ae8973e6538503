// Helpers of bench/run.ts: interleaved measuring, direct spawning, the API call with its Server-Timing
// phases (kept per server), formatting, and the run path a server reports.
import { spawn } from 'node:child_process';
import type { ExecuteRequest, ExecuteResponse, InfoResponse } from '@repo/runner-api';

export interface Figures {
  medianMs: number;
  p95Ms: number;
  perSecond: number;
}

/** One way of running the program; `lane` (0..concurrency-1) is the worker that runs it. */
export type Task = (lane: number) => Promise<void>;

export const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
export const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Runs every task `total` times at `concurrency`, in `rounds` alternating slices; figures per task. */
export async function compare(
  concurrency: number,
  total: number,
  rounds: number,
  tasks: Record<string, Task>,
): Promise<Record<string, Figures>> {
  const latencies: Record<string, number[]> = {};
  const elapsed: Record<string, number> = {};
  for (const name of Object.keys(tasks)) {
    latencies[name] = [];
    elapsed[name] = 0;
  }
  const perRound = Math.ceil(total / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const [name, task] of Object.entries(tasks)) {
      for (let lane = 0; lane < concurrency; lane++) await task(lane); // warm-up of this slice
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, lane) => {
          while (next++ < perRound) {
            const t = performance.now();
            await task(lane);
            latencies[name]?.push(performance.now() - t);
          }
        }),
      );
      elapsed[name] = (elapsed[name] ?? 0) + (performance.now() - started) / 1000;
    }
  }
  const figures: Record<string, Figures> = {};
  for (const [name, list] of Object.entries(latencies)) {
    list.sort((a, b) => a - b);
    figures[name] = {
      medianMs: quantile(list, 0.5),
      p95Ms: quantile(list, 0.95),
      perSecond: list.length / (elapsed[name] ?? 1),
    };
  }
  return figures;
}

export function spawnAndWait(argv: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}`))));
  });
}

/** Server-Timing phases of the API answers, per server (its base URL), collected per row. */
export const phases = new Map<string, Map<string, number[]>>();

export async function execute(baseUrl: string, request: ExecuteRequest): Promise<ExecuteResponse> {
  // Plain fetch (Node's undici keeps the connection alive) and JSON.parse: no client-side validation cost.
  const res = await fetch(`${baseUrl}/api/v2/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await res.json()) as ExecuteResponse;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  const own = phases.get(baseUrl) ?? new Map<string, number[]>();
  phases.set(baseUrl, own);
  for (const part of (res.headers.get('server-timing') ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (!match?.[1]) continue;
    const list = own.get(match[1]) ?? [];
    list.push(Number(match[2]));
    own.set(match[1], list);
  }
  return body;
}

/** The medians of one server's phases since the last call, as one line (then forgets them). */
export function phaseLine(baseUrl: string): string {
  const own = phases.get(baseUrl) ?? new Map<string, number[]>();
  const order = ['parse', 'queue', 'write', 'cache', 'compile', 'run', 'map', 'total'];
  const names = [...own.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  phases.delete(baseUrl);
  return names.map((n) => `${n} ${median(own.get(n) ?? []).toFixed(2)}`).join(', ');
}

export const fmt = (f: Figures | undefined) =>
  f
    ? `median ${f.medianMs.toFixed(1).padStart(6)} ms  p95 ${f.p95Ms.toFixed(1).padStart(6)} ms  ${f.perSecond.toFixed(1).padStart(6)} exec/s`
    : 'n/a';
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/**
 * The run path (warm or cold) a server reports in /api/v2/info, read defensively: under `isolation` as
 * `run_path` or `runPath`, an object `{ kind, detail }` or a plain string; 'unreported' when absent.
 */
export function runPathOfInfo(info: InfoResponse): { kind: string; detail: string } {
  const isolation = info.isolation as Record<string, unknown>;
  const raw = isolation.run_path ?? isolation.runPath;
  if (typeof raw === 'string') return { kind: raw, detail: '' };
  if (raw !== null && typeof raw === 'object') {
    const { kind, detail } = raw as { kind?: unknown; detail?: unknown };
    if (typeof kind === 'string') return { kind, detail: typeof detail === 'string' ? detail : '' };
  }
  return { kind: 'unreported', detail: '' };
}

/** The run path a Sandbox reports (`isolation.runPath`), read defensively likewise. */
export function runPathOfSandbox(isolation: object): string {
  const raw = (isolation as { runPath?: { kind?: unknown } }).runPath;
  return typeof raw?.kind === 'string' ? raw.kind : 'unreported';
}
