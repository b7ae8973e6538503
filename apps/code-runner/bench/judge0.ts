// Judge0's API against the direct one, on a real server on loopback:
//
//   TOTAL (1000) Python hello worlds through POST /submissions/batch and polling GET /submissions/batch
//   (a sliding window of CONCURRENCY submissions in flight, batches of at most 20, polled every POLL_MS),
//   against TOTAL POST /api/v2/execute calls from CONCURRENCY clients at once: the same number of programs
//   in flight. Interleaved in ROUNDS slices, in the same run. Target: Judge0's throughput >= 0.9x.
//   Then the same on a second server whose Judge0 queue and submissions live in a real redis-server.
//
//   pnpm --filter code-runner bench:judge0      (TOTAL=1000 CONCURRENCY=16 POLL_MS=25 ROUNDS=4 STORES=sqlite,redis)
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningCodeRunner, startCodeRunner } from '../src/testing.ts';
import { startRedis } from '../test/redis.ts';

const total = Number(process.env.TOTAL ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 16);
const pollMs = Number(process.env.POLL_MS ?? 25);
const rounds = Number(process.env.ROUNDS ?? 4);
const source = 'print("hello")';
const json = { 'content-type': 'application/json' };

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** `count` programs through /api/v2/execute, `concurrency` at a time; how many printed anything but hello. */
async function direct(server: RunningCodeRunner, count: number): Promise<number> {
  let next = 0;
  let wrong = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) {
        const body = (await call(`${server.url}/api/v2/execute`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ language: 'python', version: '*', files: [{ content: source }] }),
        })) as { run: { stdout: string; code: number } };
        if (body.run.stdout !== 'hello\n' || body.run.code !== 0) wrong++;
      }
    }),
  );
  return wrong;
}

/** `count` programs through Judge0's batches, a window of `concurrency` in flight, polled as its clients do. */
async function judge0(server: RunningCodeRunner, count: number): Promise<number> {
  const inFlight: string[] = [];
  let submitted = 0;
  let done = 0;
  let wrong = 0;
  while (done < count) {
    while (inFlight.length < concurrency && submitted < count) {
      const n = Math.min(20, concurrency - inFlight.length, count - submitted);
      const tokens = (await call(`${server.url}/submissions/batch`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          submissions: Array.from({ length: n }, () => ({ source_code: source, language_id: 71 })),
        }),
      })) as { token: string }[];
      inFlight.push(...tokens.map((t) => t.token));
      submitted += n;
    }
    await sleep(pollMs);
    for (let i = 0; i < inFlight.length; i += 20) {
      const tokens = inFlight.slice(i, i + 20);
      const { submissions } = (await call(
        `${server.url}/submissions/batch?tokens=${tokens.join(',')}&fields=token,status_id,stdout`,
      )) as { submissions: { token: string; status_id: number; stdout: string | null }[] };
      for (const s of submissions) {
        if (s.status_id <= 2) continue;
        if (s.status_id !== 3 || s.stdout !== 'hello\n') wrong++;
        done++;
        inFlight.splice(inFlight.indexOf(s.token), 1);
      }
    }
  }
  return wrong;
}

/** Both ways in alternating slices on one server: submissions per second of each, and the wrong answers. */
async function measure(server: RunningCodeRunner) {
  const ways = { execute: direct, judge0 };
  const seconds = { execute: 0, judge0: 0 };
  const wrong = { execute: 0, judge0: 0 };
  await direct(server, concurrency); // warm boxes and caches
  await judge0(server, concurrency);
  const slice = Math.ceil(total / rounds);
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(ways) as [keyof typeof ways, typeof direct][]) {
      const started = performance.now();
      wrong[name] += await run(server, slice);
      seconds[name] += (performance.now() - started) / 1000;
    }
  }
  const perSecond = (name: keyof typeof ways) => (slice * rounds) / seconds[name];
  return { execute: perSecond('execute'), judge0: perSecond('judge0'), wrong };
}

function report(label: string, figures: Awaited<ReturnType<typeof measure>>) {
  const ratio = figures.judge0 / figures.execute;
  console.log(`${label}:`);
  console.log(`  /api/v2/execute           ${figures.execute.toFixed(1)} programs/s`);
  console.log(`  Judge0 batches + polling  ${figures.judge0.toFixed(1)} programs/s`);
  console.log(`  ratio                     ${ratio.toFixed(2)}x (target >= 0.9x: ${ratio >= 0.9 ? 'met' : 'MISSED'})`);
  if (figures.wrong.execute + figures.wrong.judge0 > 0) {
    console.log(`  WRONG ANSWERS: execute ${figures.wrong.execute}, judge0 ${figures.wrong.judge0}`);
    process.exitCode = 1;
  }
}

const env = { MAX_QUEUE: String(4 * concurrency), MAX_QUEUE_SIZE: String(4 * concurrency) };
console.log(
  `judge0 bench: ${rounds} x ${Math.ceil(total / rounds)} programs each way, ${concurrency} in flight, ` +
    `polled every ${pollMs} ms; ${os.availableParallelism()} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`,
);
const stores = (process.env.STORES ?? 'sqlite,redis').split(',');
if (stores.includes('sqlite')) {
  const embedded = await startCodeRunner({ env });
  try {
    report('embedded store (SQLite)', await measure(embedded));
  } finally {
    await embedded.stop();
  }
}
if (stores.includes('redis')) {
  const redis = await startRedis();
  const shared = await startCodeRunner({ env: { ...env, REDIS_URL: redis.url } });
  try {
    report('Redis store (BullMQ queue, real redis-server)', await measure(shared));
  } finally {
    await shared.stop();
    await redis.stop();
  }
}
