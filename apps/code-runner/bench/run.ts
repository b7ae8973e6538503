// Benchmark: code-runner's /api/v2/execute (a real server process on loopback, keep-alive HTTP) against
// spawning the same program directly and against a direct Sandbox.run of it (the sandbox's own share), at
// concurrency 1 and NUM_RUNNERS. The variants run in alternating rounds so that the noise of a shared
// machine falls on all of them alike. Prints figures, the Server-Timing phases and PASS/MISS per target;
// asserts nothing.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecuteRequest, ExecuteResponse, InfoResponse } from '@repo/runner-api';
import { type Box, type RunLimits, Sandbox } from '@repo/sandbox';
import { readConfig } from '../src/config.ts';
import { languageTable } from '../src/languages.ts';
import { maximaFromConfig, resolveLimits } from '../src/limits.ts';
import { startServer } from '../test/server.ts';

const runners = Number(process.env.NUM_RUNNERS ?? os.availableParallelism());
const requests = Number(process.env.BENCH_REQUESTS ?? 120);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const warmup = Number(process.env.BENCH_WARMUP ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Box uids away from the default 60000+ that sandbox tests and other servers on this host may be using
// (a box reset SIGKILLs every process of its uid).
const baseUid = Number(process.env.BENCH_BASE_UID ?? 300_000);

interface Figures {
  medianMs: number;
  p95Ms: number;
  perSecond: number;
}

/** One way of running the program; `lane` (0..concurrency-1) is the worker that runs it. */
type Task = (lane: number) => Promise<void>;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Runs every task `total` times at `concurrency`, in `rounds` alternating slices; figures per task. */
async function compare(
  concurrency: number,
  total: number,
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

function spawnAndWait(argv: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv as [string, ...string[]];
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}`))));
  });
}

/** Server-Timing phases of the API answers, collected per row. */
const phases = new Map<string, number[]>();
async function execute(baseUrl: string, request: ExecuteRequest): Promise<ExecuteResponse> {
  // Plain fetch (Node's undici keeps the connection alive) and JSON.parse: no client-side validation cost.
  const res = await fetch(`${baseUrl}/api/v2/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await res.json()) as ExecuteResponse;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  for (const part of (res.headers.get('server-timing') ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (!match?.[1]) continue;
    const list = phases.get(match[1]) ?? [];
    list.push(Number(match[2]));
    phases.set(match[1], list);
  }
  return body;
}

const fmt = (f: Figures | undefined) =>
  f
    ? `median ${f.medianMs.toFixed(1).padStart(6)} ms  p95 ${f.p95Ms.toFixed(1).padStart(6)} ms  ${f.perSecond.toFixed(1).padStart(6)} exec/s`
    : 'n/a';
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const outcomes: string[] = [];

function printPhases(): void {
  const order = ['parse', 'queue', 'write', 'cache', 'compile', 'run', 'map', 'total'];
  const names = [...phases.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  console.log(
    `  server phases (median ms): ${names.map((n) => `${n} ${median(phases.get(n) ?? []).toFixed(2)}`).join(', ')}`,
  );
  phases.clear();
}

const server = await startServer(main, {
  NUM_RUNNERS: String(runners),
  QUEUE_TIMEOUT_MS: '60000',
  SERVER_TIMING: 'true',
  SANDBOX_BASE_UID: String(baseUid),
});
const tmp = mkdtempSync(path.join(os.tmpdir(), 'code-runner-bench-'));
chmodSync(tmp, 0o711);
// The bench's own sandbox, limits as the server's defaults; it claims the next uid range free after the server's.
let sandbox: Sandbox | undefined;
try {
  const info = (await (await fetch(`${server.baseUrl}/api/v2/info`)).json()) as InfoResponse;
  const limits: RunLimits = resolveLimits({}, maximaFromConfig(readConfig({}))).run;
  sandbox = await Sandbox.create({
    workRoot: path.join(tmp, 'boxes'),
    boxes: runners,
    baseUid,
  });
  const sb = sandbox;
  const boxes: Box[] = [];
  for (let id = 0; id < runners; id++) boxes.push(await sb.createBox(id));
  const resets: number[] = [];
  /** One Sandbox.run in the lane's box, then the box is emptied as the pool does (timed apart). */
  const sandboxTask =
    (prepare: (box: Box) => Promise<void>, argv: [string, ...string[]], env?: Record<string, string>): Task =>
    async (lane) => {
      const box = boxes[lane] as Box;
      await prepare(box);
      const result = await sb.run({ box, argv, env, limits });
      if (result.status !== 'ok') throw new Error(`sandbox run: ${result.status} ${result.message} ${result.stderr}`);
      const t = performance.now();
      await box.reset();
      resets.push(performance.now() - t);
    };
  const printSandbox = () => {
    console.log(`  (the bench's box.reset() after each sandbox run: median ${median(resets).toFixed(1)} ms)`);
    resets.length = 0;
  };
  /** Prints one row's three variants, the server's phases and where the added time goes. */
  const printRow = (title: string, figures: Record<string, Figures>) => {
    const { api, sandbox: inBox, direct } = figures as Record<'api' | 'sandbox' | 'direct', Figures>;
    console.log(title);
    console.log(`  API      ${fmt(api)}`);
    console.log(`  sandbox  ${fmt(inBox)}   (Sandbox.run in a box, no HTTP)`);
    console.log(`  direct   ${fmt(direct)}`);
    printPhases();
    printSandbox();
    console.log(
      `  API adds ${(api.medianMs - direct.medianMs).toFixed(1)} ms median over direct (sandbox ${(inBox.medianMs - direct.medianMs).toFixed(1)}, ` +
        `code-runner + HTTP ${(api.medianMs - inBox.medianMs).toFixed(1)}); throughput ${(api.perSecond / direct.perSecond).toFixed(2)}x direct`,
    );
    return { api, direct };
  };

  console.log(
    `code-runner bench: isolation ${info.isolation.level}, NUM_RUNNERS ${runners}, ${requests} timed requests per variant and row ` +
      `in ${rounds} alternating rounds, node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}\n`,
  );

  const pythonSource = 'print("hello world")';
  const python: ExecuteRequest = { language: 'python', files: [{ content: pythonSource }] };
  if (info.runtimes.some((r) => r.language === 'python')) {
    const spec = languageTable.find((l) => l.name === 'python');
    writeFileSync(path.join(tmp, 'hello.py'), `${pythonSource}\n`);
    for (let i = 0; i < warmup; i++) await execute(server.baseUrl, python);
    phases.clear();
    for (const concurrency of [1, runners]) {
      const f = await compare(concurrency, requests, {
        api: async () => {
          const res = await execute(server.baseUrl, python);
          if (res.run.stdout !== 'hello world\n') throw new Error(`unexpected output ${JSON.stringify(res.run)}`);
        },
        sandbox: sandboxTask(
          (box) => writeFile(path.join(box.dir, 'main.py'), pythonSource),
          ['/usr/bin/python3', 'main.py'],
          spec?.env,
        ),
        direct: () => spawnAndWait(['/usr/bin/python3', path.join(tmp, 'hello.py')]),
      });
      const { api, direct } = printRow(`python3 hello, concurrency ${concurrency}`, f);
      const adds = api.medianMs - direct.medianMs;
      const throughput = api.perSecond / direct.perSecond;
      const a = `python c${concurrency}: API adds <= 10 ms median: ${adds.toFixed(1)} ms ${verdict(adds <= 10)}`;
      const b = `python c${concurrency}: throughput >= 0.8x direct: ${throughput.toFixed(2)}x ${verdict(throughput >= 0.8)}`;
      console.log(`  ${a}\n  ${b}\n`);
      outcomes.push(a, b);
    }
  } else console.log('skipping python3: not offered by this server\n');

  if (info.runtimes.some((r) => r.language === 'c++')) {
    const source = `#include <iostream>\nint main() { std::cout << "hello world" << std::endl; } // ${Date.now()}\n`;
    const cpp: ExecuteRequest = { language: 'c++', files: [{ content: source }] };
    const firstStart = performance.now();
    const first = await execute(server.baseUrl, cpp);
    const firstMs = performance.now() - firstStart;
    const secondStart = performance.now();
    const second = await execute(server.baseUrl, cpp);
    const secondMs = performance.now() - secondStart;
    phases.clear();
    console.log(
      `c++ hello: first (compiling) request ${firstMs.toFixed(0)} ms (compile ${first.compile?.wall_time.toFixed(0)} ms), ` +
        `second (cached: ${second.compile?.cached}) ${secondMs.toFixed(1)} ms\n`,
    );
    writeFileSync(path.join(tmp, 'main.cpp'), source);
    const binary = path.join(tmp, 'main');
    await spawnAndWait(['/usr/bin/g++', '-O2', '-o', binary, path.join(tmp, 'main.cpp')]);
    for (const concurrency of [1, runners]) {
      const f = await compare(concurrency, requests, {
        api: async () => {
          const res = await execute(server.baseUrl, cpp);
          if (!res.compile?.cached) throw new Error('expected a cached compile');
        },
        sandbox: sandboxTask((box) => copyFile(binary, path.join(box.dir, 'main')), ['./main']),
        direct: () => spawnAndWait([binary]),
      });
      const { api, direct } = printRow(`c++ cached program, concurrency ${concurrency}`, f);
      const ratio = api.medianMs / direct.medianMs;
      const a = `c++ cached c${concurrency}: API median <= 1.5x direct: ${ratio.toFixed(2)}x ${verdict(ratio <= 1.5)}`;
      console.log(`  ${a}\n`);
      outcomes.push(a);
    }
  } else console.log('skipping c++: not offered by this server\n');

  console.log(`targets:\n${outcomes.map((o) => `  ${o}`).join('\n')}`);
} catch (error) {
  console.error('bench failed:', error);
  process.exitCode = 1;
} finally {
  await sandbox?.close().catch((error: unknown) => console.error('closing the bench sandbox failed:', error));
  rmSync(tmp, { recursive: true, force: true });
  await server.stop();
}
