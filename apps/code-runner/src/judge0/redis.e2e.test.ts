import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRecord } from '../../test/records.ts';
import { type RedisProcess, startRedis } from '../../test/redis.ts';
import { type ServerProcess, startServer } from '../../test/server.ts';
import { RedisSubmissionStore } from './redis.ts';
import { Status } from './statuses.ts';

const PYTHON = 71;

/** Mount points under `dir`, deepest first (from /proc/self/mounts). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`))
    .reverse();
}
const main = fileURLToPath(new URL('../main.ts', import.meta.url));

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

type Answer = { token: string; stdout: string | null; status: { id: number }; message: string | null };

async function submit(server: ServerProcess, body: object, query = ''): Promise<Answer> {
  const res = await fetch(`${server.baseUrl}/submissions${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Answer;
}

/** Polls a token on `server` until it has finished (status 3 and up), as Judge0's clients do. */
async function poll(server: ServerProcess, token: string, deadlineMs = 60_000): Promise<Answer> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const res = await fetch(`${server.baseUrl}/submissions/${token}?fields=token,stdout,status,message`);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    if (answer.status.id > Status.process) return answer;
    if (Date.now() > until) {
      throw new Error(
        `${token} unfinished after ${deadlineMs} ms: ${JSON.stringify(answer)}\n${server.log().slice(-4000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the Redis store', () => {
  let client: Redis;
  let queue: Queue<{ token: string }>;
  let store: RedisSubmissionStore;
  const prefix = `store-test-${process.pid}`;

  beforeAll(() => {
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('judge0', { connection: client, prefix });
    store = new RedisSubmissionStore(client, queue, { prefix, resultTtlMs: 60_000 });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await client.quit();
  });

  const record = () => testRecord('print(1)');

  it('queues what it adds, answers tokens in order and never lets a late write undo a result', async () => {
    const [one, two] = [record(), record()];
    await store.add([one, two]);
    expect(await store.queued()).toBe(2);
    expect((await store.getMany([two.token, 'none', one.token])).map((r) => r?.token ?? null)).toEqual([
      two.token,
      null,
      one.token,
    ]);
    expect(await store.update({ ...one, status_id: Status.process })).toBe(true);
    expect((await store.get(one.token))?.status_id).toBe(Status.process);
    await store.finish({ ...one, status_id: Status.ac, stdout: 'MQo=' });
    expect(await store.update({ ...one, status_id: Status.queue })).toBe(false);
    expect(await store.get(one.token)).toMatchObject({ status_id: Status.ac, stdout: 'MQo=' });
    // Finished ones expire by Redis's own clock; unfinished ones are kept until they finish.
    const ttl = await client.pttl(`${prefix}:judge0:submission:${one.token}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(await client.pttl(`${prefix}:judge0:submission:${two.token}`)).toBe(-1);
    // Taken to run: Processing, and back In Queue when its run is put back; a finished one is not taken.
    expect((await store.claim(two.token))?.status_id).toBe(Status.process);
    expect(await client.pttl(`${prefix}:judge0:submission:${two.token}`)).toBe(-1);
    expect(await store.requeue(two.token)).toBe(true);
    expect((await store.get(two.token))?.status_id).toBe(Status.queue);
    expect(await store.requeue(two.token)).toBe(false);
    expect(await store.claim(one.token)).toBeNull();
    expect(await store.claim('unknown')).toBeNull();
  });
});

describe('a submission whose run is lost twice', () => {
  it('ends as Internal Error, never Processing for ever', async () => {
    // One server at a time on a queue of their own, each killed while it runs the submission.
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'code-runner-lost-'));
    chmodSync(workDir, 0o711);
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'lost-twice',
      NUM_RUNNERS: '1',
      JUDGE0_STALLED_MS: '1000',
      WORK_DIR: workDir,
    };
    const client = new Redis(redis.url);
    // Killed once its own claim is recorded (Processing alone may be the previous server's).
    const killWhileRunning = async (server: ServerProcess, token: string) => {
      const until = Date.now() + 30_000;
      for (;;) {
        const owner = await client.hget(`lost-twice:judge0:submission:${token}`, 'claimed_by');
        if (owner?.startsWith(`${server.child.pid}-`)) break;
        expect(Date.now()).toBeLessThan(until);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const killed = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGKILL');
      await killed;
    };
    try {
      const first = await startServer(main, env);
      const { token } = await submit(first, { source_code: 'import time\ntime.sleep(2.5)', language_id: PYTHON });
      await killWhileRunning(first, token);
      const second = await startServer(main, env);
      await killWhileRunning(second, token);
      const third = await startServer(main, env);
      try {
        expect(await poll(third, token, 30_000)).toMatchObject({
          status: { id: Status.boxerr },
          message: 'the run was lost twice (the server running it stopped) and is not tried again',
        });
      } finally {
        expect(await third.stop()).toBe(0);
      }
    } finally {
      await client.quit();
      // A killed server's boxes may still be busy when the next one starts, which then leaves them for later.
      for (const point of mountsUnder(workDir)) spawnSync('umount', ['--lazy', point]);
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe("Judge0's API on two real servers sharing a real Redis", () => {
  let a: ServerProcess;
  let b: ServerProcess;
  const env = () => ({ REDIS_URL: redis.url, NUM_RUNNERS: '1', JUDGE0_STALLED_MS: '2000' });

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(main, env()), startServer(main, env())]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('answers on one server the tokens made on the other, one by one and in batches', async () => {
    const { token } = await submit(a, { source_code: 'print("made on a")', language_id: PYTHON });
    expect(await poll(b, token)).toMatchObject({ stdout: 'made on a\n', status: { id: Status.ac } });

    const waited = await submit(b, { source_code: 'print(6 * 7)', language_id: PYTHON }, '?wait=true');
    expect(waited).toMatchObject({ stdout: '42\n', status: { id: Status.ac } });
    expect(await poll(a, waited.token)).toMatchObject({ stdout: '42\n' });

    const res = await fetch(`${a.baseUrl}/submissions/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        submissions: [1, 2, 3, 4].map((n) => ({ source_code: `print(${n} * 11)`, language_id: PYTHON })),
      }),
    });
    const tokens = ((await res.json()) as { token: string }[]).map((t) => t.token);
    for (const token of tokens) await poll(b, token);
    const batch = await fetch(`${b.baseUrl}/submissions/batch?tokens=${tokens.join(',')},unknown&fields=stdout`);
    expect(await batch.json()).toEqual({
      submissions: [{ stdout: '11\n' }, { stdout: '22\n' }, { stdout: '33\n' }, { stdout: '44\n' }, null],
    });
  });

  it('loses no submission when a server is killed while running one', async () => {
    const source = 'import time\ntime.sleep(2)\nprint("survived")';
    const tokens = [
      (await submit(a, { source_code: source, language_id: PYTHON })).token,
      (await submit(a, { source_code: source, language_id: PYTHON })).token,
    ];
    // One box each: once both run, one of them runs on a.
    const until = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${b.baseUrl}/submissions/batch?tokens=${tokens.join(',')}&fields=status_id`);
      const { submissions } = (await res.json()) as { submissions: { status_id: number }[] };
      if (submissions.every((s) => s.status_id === Status.process)) break;
      expect(Date.now()).toBeLessThan(until);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Killed, it leaves its boxes' mounts behind: the next server in the same WORK_DIR removes them.
    const { workDir } = a;
    const killed = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await killed;
    for (const token of tokens) {
      expect(await poll(b, token, 40_000)).toMatchObject({ stdout: 'survived\n', status: { id: Status.ac } });
    }
    a = await startServer(main, { ...env(), WORK_DIR: workDir });
    try {
      const { token } = await submit(a, { source_code: 'print("back")', language_id: PYTHON }, '?wait=true');
      expect(await poll(b, token)).toMatchObject({ stdout: 'back\n' });
      expect(await a.stop()).toBe(0);
    } finally {
      for (const point of mountsUnder(workDir)) spawnSync('umount', ['--lazy', point]);
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  // Last: it stops Redis, and the servers must still answer clearly and stop cleanly.
  it('answers 503 on its paths while Redis is away, fast, stays ready for the rest, and still stops cleanly', async () => {
    const workers = (await (await fetch(`${b.baseUrl}/workers`)).json()) as { available: number }[];
    expect(workers[0]?.available).toBe(1);
    expect(await (await fetch(`${b.baseUrl}/metrics`)).text()).toMatch(/^code_runner_judge0_store_up 1$/m);
    await redis.stop();
    // The other APIs do not need Redis: a replica stays ready (all of them would go at once otherwise).
    expect((await fetch(`${b.baseUrl}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${b.baseUrl}/metrics`)).text()).toMatch(/^code_runner_judge0_store_up 0$/m);
    const run = await fetch(`${b.baseUrl}/api/v2/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'python', version: '*', files: [{ content: 'print("no redis needed")' }] }),
    });
    expect(((await run.json()) as { run: { stdout: string } }).run.stdout).toBe('no redis needed\n');
    const started = Date.now();
    const res = await fetch(`${b.baseUrl}/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source_code: 'print(1)', language_id: PYTHON }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: 'the submission store (Redis, REDIS_URL) does not answer; try again later',
    });
    expect((await fetch(`${b.baseUrl}/submissions/some-token`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await b.stop()).toBe(0);
  });
});
