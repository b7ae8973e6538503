// Interactive sessions (WebSocket /api/v2/connect), measured against a real server on loopback:
//
//   1. Round trip: a line sent as stdin, the same line echoed back by the program, over the WebSocket;
//      against the same echo program spawned directly with pipes (its own time), in the same run, in
//      alternating slices. Target: <= 2 ms median added.
//   2. SESSIONS (64) sessions held open at once: the server's resident memory per session, and that
//      /api/v2/execute still answers while they are open.
//
//   pnpm --filter code-runner bench:sessions      (ROUNDS=400 SESSIONS=64)
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import WebSocket from 'ws';
import { type RunningCodeRunner, startCodeRunner } from '../src/testing.ts';
import { quantile } from './helpers.ts';

const rounds = Number(process.env.ROUNDS ?? 400);
const slices = 8;
const sessions = Number(process.env.SESSIONS ?? 64);
const echo = 'import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n';

/** A session running `source`; `next()` resolves with the next stdout text. */
async function open(server: RunningCodeRunner, source: string) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v2/connect`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let waiting: ((text: string) => void) | null = null;
  let pending = '';
  const running = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; stage?: string; stream?: string; data?: string };
      if (message.type === 'stage' && message.stage === 'run') resolve();
      if (message.type === 'error') reject(new Error(String(JSON.stringify(message))));
      if (message.type === 'data' && message.stream === 'stdout') {
        pending += message.data;
        if (waiting && pending.endsWith('\n')) {
          const wake = waiting;
          waiting = null;
          const text = pending;
          pending = '';
          wake(text);
        }
      }
    });
  });
  socket.send(JSON.stringify({ type: 'init', language: 'python', version: '*', files: [{ content: source }] }));
  await running;
  return {
    socket,
    roundTrip(line: string): Promise<string> {
      return new Promise((resolve) => {
        waiting = resolve;
        socket.send(JSON.stringify({ type: 'data', stream: 'stdin', data: line }));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.send(JSON.stringify({ type: 'data', stream: 'stdin', eof: true }));
      }),
  };
}

/** The same echo program with pipes, no server: the program's own round trip. */
function direct() {
  const child: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', ['-c', echo]);
  let waiting: ((text: string) => void) | null = null;
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    if (waiting && pending.endsWith('\n')) {
      const wake = waiting;
      waiting = null;
      const all = pending;
      pending = '';
      wake(all);
    }
  });
  return {
    roundTrip: (line: string) =>
      new Promise<string>((resolve) => {
        waiting = resolve;
        child.stdin.write(line);
      }),
    close: () => child.stdin.end(),
  };
}

const rssBytes = (pid: number) => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;

const server = await startCodeRunner({
  env: { NUM_RUNNERS: String(sessions + 2), LOG_LEVEL: 'warn', SESSION_IDLE_TIMEOUT_MS: '600000' },
  readyWithinMs: 300_000,
});
try {
  const info = (await (await fetch(`${server.url}/api/v2/info`)).json()) as {
    isolation: { level: string; run_path?: { kind: string } };
  };
  console.log(
    `code-runner sessions bench: isolation ${info.isolation.level}, run path ${info.isolation.run_path?.kind ?? '?'}, ` +
      `${rounds} round trips per variant in ${slices} alternating slices, node ${process.version}, load ${os.loadavg()[0]?.toFixed(2)}`,
  );

  // 1. Round trip.
  const session = await open(server, echo);
  const local = direct();
  const times: Record<'session' | 'direct', number[]> = { session: [], direct: [] };
  for (let i = 0; i < 20; i++) {
    await session.roundTrip('warm-up\n');
    await local.roundTrip('warm-up\n');
  }
  for (let slice = 0; slice < slices; slice++) {
    for (const [name, variant] of [
      ['session', session],
      ['direct', local],
    ] as const) {
      for (let i = 0; i < rounds / slices; i++) {
        const line = `line ${slice} ${i}\n`;
        const started = performance.now();
        const back = await variant.roundTrip(line);
        times[name].push(performance.now() - started);
        if (back !== line) throw new Error(`${name}: sent ${JSON.stringify(line)}, got ${JSON.stringify(back)}`);
      }
    }
  }
  await session.close();
  local.close();
  const figures = Object.fromEntries(
    Object.entries(times).map(([name, list]) => {
      list.sort((a, b) => a - b);
      return [name, { median: quantile(list, 0.5), p95: quantile(list, 0.95) }];
    }),
  ) as Record<'session' | 'direct', { median: number; p95: number }>;
  console.log('round trip of one line (send, echoed back):');
  console.log(`  over the WebSocket session   median ${ms(figures.session.median)}   p95 ${ms(figures.session.p95)}`);
  console.log(`  the program alone (pipes)    median ${ms(figures.direct.median)}   p95 ${ms(figures.direct.p95)}`);
  const added = figures.session.median - figures.direct.median;
  console.log(
    `  added by the server: median ${ms(added)}, p95 ${ms(figures.session.p95 - figures.direct.p95)} (target <= 2 ms median: ${added <= 2 ? 'met' : 'missed'})`,
  );

  // 2. Many sessions at once.
  const before = rssBytes(server.pid);
  const held: Awaited<ReturnType<typeof open>>[] = [];
  const started = performance.now();
  for (let i = 0; i < sessions; i++) held.push(await open(server, echo));
  const opened = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const during = rssBytes(server.pid);
  const answers: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const response = await fetch(`${server.url}/api/v2/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'python', files: [{ content: 'print(1)' }] }),
    });
    const body = (await response.json()) as { run?: { stdout: string } };
    if (response.status !== 200 || body.run?.stdout !== '1\n') throw new Error(`/execute: ${JSON.stringify(body)}`);
    answers.push(performance.now() - t);
  }
  const echoed = await Promise.all(held.map((s, i) => s.roundTrip(`still there ${i}\n`)));
  if (echoed.some((text, i) => text !== `still there ${i}\n`)) throw new Error('a held session did not echo');
  answers.sort((a, b) => a - b);
  console.log(`${sessions} sessions held open at once (each a python program waiting for input, each holding a box):`);
  console.log(`  opened in ${(opened / 1000).toFixed(1)} s; every one still echoes afterwards`);
  console.log(
    `  server RSS ${(before / 2 ** 20).toFixed(1)} MiB before, ${(during / 2 ** 20).toFixed(1)} MiB with them open: ` +
      `${((during - before) / sessions / 1024).toFixed(0)} KiB per session`,
  );
  console.log(`  /api/v2/execute meanwhile: 10 of 10 answered, median ${ms(quantile(answers, 0.5))}`);
  await Promise.all(held.map((s) => s.close()));
} finally {
  await server.stop();
}
