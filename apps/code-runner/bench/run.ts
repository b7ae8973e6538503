// Benchmark: code-runner's /api/v2/execute (a real server process on loopback, keep-alive HTTP) against
// spawning the same program directly, at concurrency 1 and NUM_RUNNERS. Prints figures; asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunnerClient, type ExecuteRequest } from '@repo/runner-api';
import { startServer } from '../test/server.ts';

const runners = Number(process.env.NUM_RUNNERS ?? os.availableParallelism());
const requests = Number(process.env.BENCH_REQUESTS ?? 60);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Figures {
  medianMs: number;
  p95Ms: number;
  perSecond: number;
}

async function measure(concurrency: number, total: number, task: () => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const t = performance.now();
        await task();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { medianMs: at(0.5), p95Ms: at(0.95), perSecond: latencies.length / elapsed };
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

const fmt = (f: Figures) =>
  `median ${f.medianMs.toFixed(1).padStart(6)} ms  p95 ${f.p95Ms.toFixed(1).padStart(6)} ms  ${f.perSecond.toFixed(1).padStart(6)} exec/s`;

const server = await startServer(main, { NUM_RUNNERS: String(runners), QUEUE_TIMEOUT_MS: '60000' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'code-runner-bench-'));
try {
  const client = createRunnerClient({ baseUrl: server.baseUrl });
  const info = await client.info();
  console.log(
    `code-runner bench: isolation ${info.isolation.level}, NUM_RUNNERS ${runners}, ${requests} requests per row, node ${process.version}\n`,
  );

  const python: ExecuteRequest = { language: 'python', files: [{ content: 'print("hello world")' }] };
  const pythonPath = info.runtimes.find((r) => r.language === 'python') ? '/usr/bin/python3' : null;
  if (pythonPath) {
    writeFileSync(path.join(tmp, 'hello.py'), 'print("hello world")\n');
    for (let i = 0; i < 5; i++) await client.execute(python); // warm-up
    for (const concurrency of [1, runners]) {
      const api = await measure(concurrency, requests, async () => {
        const res = await client.execute(python);
        if (res.run.stdout !== 'hello world\n') throw new Error(`unexpected output ${JSON.stringify(res.run)}`);
      });
      const direct = await measure(concurrency, requests, () => spawnAndWait([pythonPath, path.join(tmp, 'hello.py')]));
      console.log(`python3 hello, concurrency ${concurrency}`);
      console.log(`  API     ${fmt(api)}`);
      console.log(`  direct  ${fmt(direct)}`);
      console.log(
        `  API adds ${(api.medianMs - direct.medianMs).toFixed(1)} ms median; throughput ${(api.perSecond / direct.perSecond).toFixed(2)}x direct\n`,
      );
    }
  } else console.log('skipping python3: not offered by this server\n');

  if (info.runtimes.find((r) => r.language === 'c++')) {
    const source = `#include <iostream>\nint main() { std::cout << "hello world" << std::endl; } // ${Date.now()}\n`;
    const cpp: ExecuteRequest = { language: 'c++', files: [{ content: source }] };
    const firstStart = performance.now();
    const first = await client.execute(cpp);
    const firstMs = performance.now() - firstStart;
    const secondStart = performance.now();
    const second = await client.execute(cpp);
    const secondMs = performance.now() - secondStart;
    console.log(
      `c++ hello: first (compiling) request ${firstMs.toFixed(0)} ms (compile ${first.compile?.wall_time.toFixed(0)} ms), ` +
        `second (cached: ${second.compile?.cached}) ${secondMs.toFixed(1)} ms\n`,
    );
    writeFileSync(path.join(tmp, 'main.cpp'), source);
    await spawnAndWait(['/usr/bin/g++', '-O2', '-o', path.join(tmp, 'main'), path.join(tmp, 'main.cpp')]);
    for (const concurrency of [1, runners]) {
      const api = await measure(concurrency, requests, async () => {
        const res = await client.execute(cpp);
        if (!res.compile?.cached) throw new Error('expected a cached compile');
      });
      const direct = await measure(concurrency, requests, () => spawnAndWait([path.join(tmp, 'main')]));
      console.log(`c++ cached program, concurrency ${concurrency}`);
      console.log(`  API     ${fmt(api)}`);
      console.log(`  direct  ${fmt(direct)}`);
      console.log(
        `  API adds ${(api.medianMs - direct.medianMs).toFixed(1)} ms median; API/direct median ${(api.medianMs / direct.medianMs).toFixed(2)}x; throughput ${(api.perSecond / direct.perSecond).toFixed(2)}x direct\n`,
      );
    }
  } else console.log('skipping c++: not offered by this server\n');
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await server.stop();
}
