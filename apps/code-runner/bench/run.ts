// Benchmark: code-runner's /api/v2/execute (real server processes on loopback, keep-alive HTTP) against
// spawning the same program directly and against a direct Sandbox.run of it (the sandbox's own share), at
// concurrency 1, 2 and NUM_RUNNERS. Two servers run side by side, one with SANDBOX_WARM=true (warm boxes: a
// long-lived sandbox per box whose init forks each run) and one with SANDBOX_WARM=false (one bwrap per run),
// and the bench's own sandbox likewise (warm: true and warm: false); each is labelled with the run path it
// reports. The variants run in alternating rounds so that the noise of a shared machine falls on all of
// them alike. Prints figures, the Server-Timing phases and PASS/MISS per target; asserts nothing.
// Environment: NUM_RUNNERS, BENCH_REQUESTS (timed requests per variant and row, default 120), BENCH_ROUNDS
// (alternating rounds, default 4), BENCH_WARMUP (untimed python requests per server first, default 10),
// BENCH_BASE_UID (default 300000).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecuteRequest, InfoResponse } from '@repo/runner-api';
import { type Box, type RunLimits, Sandbox } from '@repo/sandbox';
import { readConfig } from '../src/config.ts';
import { languageTable } from '../src/languages.ts';
import { maximaFromConfig, resolveLimits } from '../src/limits.ts';
import { type ServerProcess, startServer } from '../test/server.ts';
import {
  compare,
  execute,
  type Figures,
  fmt,
  median,
  phaseLine,
  phases,
  runPathOfInfo,
  runPathOfSandbox,
  spawnAndWait,
  type Task,
  verdict,
} from './helpers.ts';

const runners = Number(process.env.NUM_RUNNERS ?? os.availableParallelism());
const requests = Number(process.env.BENCH_REQUESTS ?? 120);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const warmup = Number(process.env.BENCH_WARMUP ?? 10);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Box uids away from the default 60000+ that sandbox tests and other servers on this host may be using
// (a box reset SIGKILLs every process of its uid). The second server and the bench's sandboxes claim the
// next free ranges.
const baseUid = Number(process.env.BENCH_BASE_UID ?? 300_000);
// The targets name concurrency 1 and 2; NUM_RUNNERS too (one bench box per lane, so none above it).
const concurrencies = [...new Set([1, Math.min(2, runners), runners])];

/** One setting of the warm boxes: its server, the bench's sandbox with the same setting, and labels. */
interface Path {
  warm: boolean;
  server: ServerProcess;
  info: InfoResponse;
  /** `SANDBOX_WARM=true [warm]`: the setting and the run path the server reports. */
  label: string;
  sandbox?: Sandbox;
  boxes: Box[];
  sandboxLabel: string;
  resets: number[];
}

const outcomes: string[] = [];
const paths: Path[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'code-runner-bench-'));
chmodSync(tmp, 0o711);
try {
  for (const warm of [true, false]) {
    const server = await startServer(main, {
      NUM_RUNNERS: String(runners),
      QUEUE_TIMEOUT_MS: '60000',
      SERVER_TIMING: 'true',
      SANDBOX_BASE_UID: String(baseUid),
      SANDBOX_WARM: String(warm),
    });
    const info = (await (await fetch(`${server.baseUrl}/api/v2/info`)).json()) as InfoResponse;
    const label = `SANDBOX_WARM=${warm} [${runPathOfInfo(info).kind}]`;
    paths.push({ warm, server, info, label, boxes: [], sandboxLabel: '', resets: [] });
  }
  // The bench's own sandboxes, limits as the servers' defaults.
  const limits: RunLimits = resolveLimits({}, maximaFromConfig(readConfig({}))).run;
  for (const p of paths) {
    p.sandbox = await Sandbox.create({ workRoot: path.join(tmp, 'boxes'), boxes: runners, baseUid, warm: p.warm });
    for (let id = 0; id < runners; id++) p.boxes.push(await p.sandbox.createBox(id));
    p.sandboxLabel = `warm=${p.warm} [${runPathOfSandbox(p.sandbox.isolation)}]`;
  }
  /** One Sandbox.run in the lane's box, then the box is emptied as the pool does (timed apart). */
  const sandboxTask =
    (p: Path, prepare: (box: Box) => Promise<void>, argv: [string, ...string[]], env?: Record<string, string>): Task =>
    async (lane) => {
      const box = p.boxes[lane] as Box;
      await prepare(box);
      const result = await (p.sandbox as Sandbox).run({ box, argv, env, limits });
      if (result.status !== 'ok') throw new Error(`sandbox run: ${result.status} ${result.message} ${result.stderr}`);
      const t = performance.now();
      await box.reset();
      p.resets.push(performance.now() - t);
    };
  /** The tasks of one row: the API of each server, the bench's sandbox of each setting, direct. */
  const rowTasks = (api: (p: Path) => Task, inBox: (p: Path) => Task, direct: Task): Record<string, Task> => {
    const tasks: Record<string, Task> = {};
    for (const p of paths) tasks[`api ${p.warm}`] = api(p);
    for (const p of paths) tasks[`sandbox ${p.warm}`] = inBox(p);
    tasks.direct = direct;
    return tasks;
  };
  /** Prints one row's variants, each server's phases and where the added time goes, per setting. */
  const printRow = (title: string, figures: Record<string, Figures>) => {
    const direct = figures.direct as Figures;
    const width = Math.max(...paths.map((p) => Math.max(p.label.length, p.sandboxLabel.length + 4)));
    console.log(title);
    for (const p of paths) console.log(`  API ${p.label.padEnd(width)} ${fmt(figures[`api ${p.warm}`])}`);
    for (const p of paths)
      console.log(
        `  sandbox ${p.sandboxLabel.padEnd(width - 4)} ${fmt(figures[`sandbox ${p.warm}`])}   (Sandbox.run in a box, no HTTP)`,
      );
    console.log(`  direct ${''.padEnd(width - 3)} ${fmt(direct)}`);
    for (const p of paths) console.log(`  server phases ${p.label} (median ms): ${phaseLine(p.server.baseUrl)}`);
    console.log(
      `  (the bench's box.reset() after each sandbox run: median ${paths.map((p) => `warm=${p.warm} ${median(p.resets).toFixed(1)} ms`).join(', ')})`,
    );
    for (const p of paths) p.resets.length = 0;
    const rows = paths.map((p) => {
      const api = figures[`api ${p.warm}`] as Figures;
      const inBox = figures[`sandbox ${p.warm}`] as Figures;
      console.log(
        `  ${p.label}: API adds ${(api.medianMs - direct.medianMs).toFixed(1)} ms median over direct (sandbox ${(inBox.medianMs - direct.medianMs).toFixed(1)}, ` +
          `code-runner + HTTP ${(api.medianMs - inBox.medianMs).toFixed(1)}); throughput ${(api.perSecond / direct.perSecond).toFixed(2)}x direct`,
      );
      return { p, api };
    });
    return { rows, direct };
  };

  const first = paths[0] as Path;
  console.log(
    `code-runner bench: isolation ${first.info.isolation.level}, NUM_RUNNERS ${runners}, ${requests} timed requests per variant and row ` +
      `in ${rounds} alternating rounds, node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}`,
  );
  for (const p of paths) {
    const { kind, detail } = runPathOfInfo(p.info);
    console.log(
      `  server SANDBOX_WARM=${p.warm}: isolation ${p.info.isolation.level}, run path ${kind}${detail ? ` (${detail})` : ''}; bench sandbox ${p.sandboxLabel}`,
    );
  }
  console.log('');

  const offers = (language: string) => paths.every((p) => p.info.runtimes.some((r) => r.language === language));
  const pythonSource = 'print("hello world")';
  const python: ExecuteRequest = { language: 'python', files: [{ content: pythonSource }] };
  if (offers('python')) {
    const spec = languageTable.find((l) => l.name === 'python');
    writeFileSync(path.join(tmp, 'hello.py'), `${pythonSource}\n`);
    for (const p of paths) for (let i = 0; i < warmup; i++) await execute(p.server.baseUrl, python);
    phases.clear();
    for (const concurrency of concurrencies) {
      const f = await compare(
        concurrency,
        requests,
        rounds,
        rowTasks(
          (p) => async () => {
            const res = await execute(p.server.baseUrl, python);
            if (res.run.stdout !== 'hello world\n') throw new Error(`unexpected output ${JSON.stringify(res.run)}`);
          },
          (p) =>
            sandboxTask(
              p,
              (box) => writeFile(path.join(box.dir, 'main.py'), pythonSource),
              ['/usr/bin/python3', 'main.py'],
              spec?.env,
            ),
          () => spawnAndWait(['/usr/bin/python3', path.join(tmp, 'hello.py')]),
        ),
      );
      const { rows, direct } = printRow(`python3 hello, concurrency ${concurrency}`, f);
      for (const { p, api } of rows) {
        const adds = api.medianMs - direct.medianMs;
        const throughput = api.perSecond / direct.perSecond;
        const a = `python c${concurrency} ${p.label}: API adds <= 10 ms median: ${adds.toFixed(1)} ms ${verdict(adds <= 10)}`;
        const b = `python c${concurrency} ${p.label}: throughput >= 0.8x direct: ${throughput.toFixed(2)}x ${verdict(throughput >= 0.8)}`;
        console.log(`  ${a}\n  ${b}`);
        outcomes.push(a, b);
      }
      console.log('');
    }
  } else console.log('skipping python3: not offered by both servers\n');

  if (offers('c++')) {
    const source = `#include <iostream>\nint main() { std::cout << "hello world" << std::endl; } // ${Date.now()}\n`;
    const cpp: ExecuteRequest = { language: 'c++', files: [{ content: source }] };
    for (const p of paths) {
      const firstStart = performance.now();
      const compiled = await execute(p.server.baseUrl, cpp);
      const firstMs = performance.now() - firstStart;
      const secondStart = performance.now();
      const second = await execute(p.server.baseUrl, cpp);
      const secondMs = performance.now() - secondStart;
      console.log(
        `c++ hello, ${p.label}: first (compiling) request ${firstMs.toFixed(0)} ms (compile ${compiled.compile?.wall_time.toFixed(0)} ms), ` +
          `second (cached: ${second.compile?.cached}) ${secondMs.toFixed(1)} ms`,
      );
    }
    console.log('');
    phases.clear();
    writeFileSync(path.join(tmp, 'main.cpp'), source);
    const binary = path.join(tmp, 'main');
    await spawnAndWait(['/usr/bin/g++', '-O2', '-o', binary, path.join(tmp, 'main.cpp')]);
    for (const concurrency of concurrencies) {
      const f = await compare(
        concurrency,
        requests,
        rounds,
        rowTasks(
          (p) => async () => {
            const res = await execute(p.server.baseUrl, cpp);
            if (!res.compile?.cached) throw new Error('expected a cached compile');
          },
          (p) => sandboxTask(p, (box) => copyFile(binary, path.join(box.dir, 'main')), ['./main']),
          () => spawnAndWait([binary]),
        ),
      );
      const { rows, direct } = printRow(`c++ cached program, concurrency ${concurrency}`, f);
      for (const { p, api } of rows) {
        const ratio = api.medianMs / direct.medianMs;
        const a = `c++ cached c${concurrency} ${p.label}: API median <= 1.5x direct: ${ratio.toFixed(2)}x ${verdict(ratio <= 1.5)}`;
        console.log(`  ${a}`);
        outcomes.push(a);
      }
      console.log('');
    }
  } else console.log('skipping c++: not offered by both servers\n');

  console.log(`targets:\n${outcomes.map((o) => `  ${o}`).join('\n')}`);
} catch (error) {
  console.error('bench failed:', error);
  process.exitCode = 1;
} finally {
  for (const p of paths)
    await p.sandbox?.close().catch((error: unknown) => console.error('closing a bench sandbox failed:', error));
  rmSync(tmp, { recursive: true, force: true });
  for (const p of paths) await p.server.stop();
}
