import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRunner, okRun } from '../../test/fake-runner.ts';
import { createFakeHarness, type Harness } from '../../test/harness.ts';
import { testRecord } from '../../test/records.ts';
import { ClientError } from '../errors.ts';
import { SqliteSubmissionStore } from './store.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Keys the official Python SDK's `Config` model requires (judge0-python, base_types.py). */
const sdkConfigKeys = [
  'allow_enable_network',
  'allow_enable_per_process_and_thread_memory_limit',
  'allow_enable_per_process_and_thread_time_limit',
  'allowed_languages_for_compile_options',
  'callbacks_max_tries',
  'callbacks_timeout',
  'cpu_extra_time',
  'cpu_time_limit',
  'enable_additional_files',
  'enable_batched_submissions',
  'enable_callbacks',
  'enable_command_line_arguments',
  'enable_compiler_options',
  'enable_network',
  'enable_per_process_and_thread_memory_limit',
  'enable_per_process_and_thread_time_limit',
  'enable_submission_delete',
  'enable_wait_result',
  'maintenance_mode',
  'max_cpu_extra_time',
  'max_cpu_time_limit',
  'max_extract_size',
  'max_file_size',
  'max_max_file_size',
  'max_max_processes_and_or_threads',
  'max_memory_limit',
  'max_number_of_runs',
  'max_processes_and_or_threads',
  'max_queue_size',
  'max_stack_limit',
  'max_submission_batch_size',
  'max_wall_time_limit',
  'memory_limit',
  'number_of_runs',
  'redirect_stderr_to_stdout',
  'stack_limit',
  'submission_cache_duration',
  'use_docs_as_homepage',
  'wall_time_limit',
];

/** A fake runner whose programs print their stdin (python, 71) and whose compiles fail on "syntax error" (C, 50). */
function echoHarness(env: Record<string, string> = {}): Harness<FakeRunner> {
  return createFakeHarness(env, {
    async execute(job) {
      const stdin = Buffer.from(job.stdin as Uint8Array).toString('utf8');
      const source = job.files[0]?.content.toString('utf8') ?? '';
      if (job.runtime.spec.compile) {
        if (source.includes('syntax error')) {
          return {
            compile: {
              result: okRun({ status: 'runtime-error', exitCode: 1, stderr: 'main.c:1: error' }),
              cached: false,
            },
            run: null,
          };
        }
        return { compile: { result: okRun(), cached: false }, run: okRun({ stdout: stdin }) };
      }
      if (source.includes('exit(3)')) return { run: okRun({ status: 'runtime-error', exitCode: 3, stderr: 'bye' }) };
      return { run: okRun({ stdout: stdin, cpuTimeMs: 12, wallTimeMs: 20, memoryBytes: 2048 * 1024 }) };
    },
  });
}

describe("Judge0's API over a fake runner", () => {
  let h: Harness<FakeRunner>;
  beforeAll(() => {
    h = echoHarness({ MAX_QUEUE_SIZE: '30' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists languages by Judge0 CE 1.13.1 ids, and one language in full', async () => {
    const res = await h.get('/languages');
    expect(res.status).toBe(200);
    const ids = res.body.map((l: { id: number }) => l.id);
    expect(ids).toEqual(expect.arrayContaining([46, 50, 54, 62, 63, 71, 73, 74]));
    expect(res.body.find((l: { id: number }) => l.id === 71)).toEqual({ id: 71, name: 'Python (1.0.0)' });
    expect(res.body.find((l: { id: number }) => l.id === 54)).toEqual({ id: 54, name: 'C++ (GCC 1.0.0)' });
    const one = await h.get('/languages/71');
    expect(one.body).toMatchObject({ id: 71, name: 'Python (1.0.0)', is_archived: false, compile_cmd: null });
    expect((await h.get('/languages/9999')).status).toBe(404);
  });

  it('answers /statuses, /about and /config_info as Judge0 and its SDK expect', async () => {
    const statuses = (await h.get('/statuses')).body;
    expect(statuses).toHaveLength(14);
    expect(statuses[6]).toEqual({ id: 7, description: 'Runtime Error (SIGSEGV)' });
    expect(statuses[10]).toEqual({ id: 11, description: 'Runtime Error (NZEC)' });
    expect((await h.get('/about')).body.version).toBe('1.13.1');
    const config = (await h.get('/config_info')).body;
    for (const key of sdkConfigKeys) expect(config, key).toHaveProperty(key);
    // The server's maxima (3 s of CPU and wall time, 256 MiB) cap Judge0's.
    expect(config).toMatchObject({ max_cpu_time_limit: 3, max_wall_time_limit: 3, max_memory_limit: 256 * 1024 });
    expect(config.max_queue_size).toBe(30);
    const workers = (await h.get('/workers')).body;
    expect(workers[0]).toMatchObject({ queue: '1.13.1', available: 2 });
    expect((await h.get('/system_info')).body).toHaveProperty('CPU(s)');
  });

  it('runs a submission with wait=true and answers the default fields', async () => {
    const res = await h.post('/submissions?wait=true', {
      source_code: 'print(input())',
      language_id: 71,
      stdin: 'hello',
      expected_output: 'hello  \n\n',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      token: expect.any(String),
      time: '0.012',
      memory: 2048,
      stdout: 'hello',
      stderr: null,
      compile_output: null,
      message: null,
      status: { id: 3, description: 'Accepted' },
    });
  });

  it('round-trips base64 and judges a wrong answer', async () => {
    const res = await h.post('/submissions?base64_encoded=true&wait=true&fields=stdout,status_id,language', {
      source_code: b64('print(input())'),
      language_id: 71,
      stdin: b64('é\n'),
      expected_output: b64('e'),
    });
    expect(res.body).toEqual({ stdout: b64('é\n'), status_id: 4, language: { id: 71, name: 'Python (1.0.0)' } });
  });

  it('answers a token at once, then the result by token with fields', async () => {
    const created = await h.post('/submissions', { source_code: 'exit(3)', language_id: 71 });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['token']);
    let res = await h.get(`/submissions/${created.body.token}?fields=*`);
    for (let i = 0; i < 50 && res.body.status.id < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      res = await h.get(`/submissions/${created.body.token}?fields=*`);
    }
    expect(res.body).toMatchObject({
      status: { id: 11, description: 'Runtime Error (NZEC)' },
      exit_code: 3,
      stderr: 'bye',
      message: 'Exited with error status 3',
      cpu_time_limit: '3.0',
      memory_limit: 128000,
      language_id: 71,
      source_code: 'exit(3)',
    });
    expect(Object.keys(res.body)).toHaveLength(35);
    expect((await h.get(`/submissions/${created.body.token}?fields=stdout,nope,bad`)).body).toEqual({
      error: 'invalid fields: [nope, bad]',
    });
  });

  it('reports a compilation error with the compiler output', async () => {
    const res = await h.post('/submissions?wait=true&fields=status,compile_output,stdout,time', {
      source_code: 'syntax error',
      language_id: 50,
    });
    expect(res.body).toEqual({
      status: { id: 6, description: 'Compilation Error' },
      compile_output: 'main.c:1: error',
      stdout: null,
      time: null,
    });
  });

  it('refuses invalid fields with 422 {field: [messages]}, naming each', async () => {
    const res = await h.post('/submissions', {
      language_id: 9999,
      cpu_time_limit: 100,
      memory_limit: 'lots',
      wall_time_limit: 0.5,
      enable_network: true,
      compiler_options: '-O2',
      callback_url: 'http://example.com',
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      source_code: ["can't be blank"],
      language_id: ["language with id 9999 doesn't exist"],
      cpu_time_limit: ['must be less than or equal to 3.0'],
      memory_limit: ['is not a number'],
      wall_time_limit: ['must be greater than or equal to 1.0'],
      enable_network: ['enabling network is not allowed'],
      callback_url: ['setting callback is not allowed'],
    });
    const interpreted = await h.post('/submissions', { source_code: 'x', language_id: 71, compiler_options: '-O2' });
    expect(interpreted.body).toEqual({
      compiler_options: ['setting compiler options is only allowed for compiled languages'],
    });
    expect((await h.post('/submissions', 'nope', { raw: true })).body).toEqual({ error: 'the body is not valid JSON' });
  });

  it('takes batches of at most 20: tokens or errors, 201 if any is valid, 422 if none', async () => {
    const res = await h.post('/submissions/batch?base64_encoded=true', {
      submissions: [
        { source_code: b64('print(input())'), language_id: 71, stdin: b64('one') },
        { source_code: b64('x'), language_id: 1 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body[0]).toEqual({ token: expect.any(String) });
    expect(res.body[1]).toEqual({ language_id: ["language with id 1 doesn't exist"] });
    const none = await h.post('/submissions/batch', { submissions: [{ language_id: 71 }] });
    expect(none.status).toBe(422);
    const tooMany = await h.post('/submissions/batch', {
      submissions: Array.from({ length: 21 }, () => ({ source_code: 'x', language_id: 71 })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ error: 'number of submissions in a batch should be less than or equal to 20' });
    expect((await h.post('/submissions/batch', { submissions: [] })).body).toEqual({
      error: 'there should be at least one submission in a batch',
    });

    const token = res.body[0].token;
    let got = await h.get(`/submissions/batch?tokens=${token},unknown&fields=stdout,status_id`);
    for (let i = 0; i < 50 && got.body.submissions[0].status_id < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      got = await h.get(`/submissions/batch?tokens=${token},unknown&fields=stdout,status_id`);
    }
    expect(got.body).toEqual({ submissions: [{ stdout: 'one', status_id: 3 }, null] });
  });

  it('answers 404 {error} for an unknown token', async () => {
    const res = await h.get('/submissions/0000');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not found' });
  });
});

describe("Judge0's API: queue, keys, rate limit", () => {
  let h: Harness<FakeRunner> | undefined;
  afterEach(async () => {
    await h?.close();
  });

  it('answers 503 "queue is full" past MAX_QUEUE_SIZE', async () => {
    // A runner that never finishes: the queue fills.
    h = createFakeHarness({ MAX_QUEUE_SIZE: '2', NUM_RUNNERS: '1' }, { execute: () => new Promise(() => {}) });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await h.post('/submissions', { source_code: 'x', language_id: 71 })).status);
    // One runs, two wait, the next are refused.
    expect(statuses).toEqual([201, 201, 201, 503, 503]);
    expect((await h.post('/submissions', { source_code: 'x', language_id: 71 })).body).toEqual({
      error: 'queue is full',
    });
    expect((await h.get('/workers')).body[0]).toMatchObject({ size: 2, working: 1, idle: 0 });
  });

  it("takes Judge0's X-Auth-Token as an API key, and rate-limits", async () => {
    h = createFakeHarness({ RUNNER_API_KEYS: 'secret', RATE_LIMIT_PER_MINUTE: '3' });
    expect((await h.get('/languages')).status).toBe(401);
    expect((await h.get('/languages', { 'X-Auth-Token': 'wrong' })).status).toBe(401);
    expect((await h.get('/languages', { 'X-Auth-Token': 'secret' })).status).toBe(200);
    expect((await h.get('/statuses', { 'X-Auth-Token': 'secret' })).status).toBe(200);
    expect((await h.get('/about', { 'X-Auth-Token': 'secret' })).status).toBe(200);
    const limited = await h.get('/config_info', { 'X-Auth-Token': 'secret' });
    expect(limited.status).toBe(429);
    expect(limited.body).toHaveProperty('error');
    // The server's own paths are not Judge0's.
    expect((await h.get('/healthz')).status).toBe(200);
  });
});

describe("Judge0's SQLite store", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'judge0-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const record = (source: string) => testRecord(source);

  it('removes results past RESULT_TTL, never a queued submission', async () => {
    let now = Date.now();
    const store = new SqliteSubmissionStore({ file: path.join(dir, 'ttl.sqlite'), resultTtlMs: 1000, now: () => now });
    const done = record('a');
    const waiting = record('b');
    await store.add([done, waiting]);
    const claimed = await store.claim();
    expect(claimed?.token).toBe(done.token);
    await store.finish({ ...done, status_id: 3, finished_at: new Date(now).toISOString() });
    expect((await store.get(done.token))?.status_id).toBe(3);
    now += 1500;
    expect(await store.get(done.token)).toBeNull();
    expect(await store.expire()).toBe(1);
    expect((await store.get(waiting.token))?.status_id).toBe(1);
    await store.close();
  });

  it('keeps results and puts Processing submissions back in the queue when reopened', async () => {
    const file = path.join(dir, 'restart.sqlite');
    // A process that ran and is gone: its claims are lost.
    const dead = spawnSync('true').pid;
    const first = new SqliteSubmissionStore({ file, resultTtlMs: 60_000, owner: `${dead}-1` });
    const a = record('a');
    const b = record('b');
    await first.add([a, b]);
    await first.claim();
    await first.finish({ ...a, status_id: 3, finished_at: new Date().toISOString() });
    await first.claim();
    expect((await first.get(b.token))?.status_id).toBe(2);
    await first.close();
    const second = new SqliteSubmissionStore({ file, resultTtlMs: 60_000 });
    expect((await second.get(a.token))?.status_id).toBe(3);
    expect((await second.get(b.token))?.status_id).toBe(1);
    expect((await second.claim())?.token).toBe(b.token);
    await second.close();
  });

  it("leaves alone what a live process sharing the file runs, and takes up a dead one's at its sweep", async () => {
    const file = path.join(dir, 'shared.sqlite');
    const live = new SqliteSubmissionStore({ file, resultTtlMs: 60_000 });
    const a = record('a');
    await live.add([a]);
    expect((await live.claim())?.token).toBe(a.token);
    // A sibling opening the same file (same WORK_DIR) must not run it again.
    const sibling = new SqliteSubmissionStore({ file, resultTtlMs: 60_000, owner: 'sibling-1' });
    expect((await sibling.get(a.token))?.status_id).toBe(2);
    expect(await sibling.claim()).toBeNull();
    // The first process "dies": a store that says its owner is gone puts its claim back at the next sweep.
    const b = record('b');
    await sibling.add([b]);
    const doomed = new SqliteSubmissionStore({ file, resultTtlMs: 60_000, owner: 'doomed-1', ownerAlive: () => true });
    expect((await doomed.claim())?.token).toBe(b.token);
    await doomed.close();
    let doomedAlive = true;
    const sweeper = new SqliteSubmissionStore({
      file,
      resultTtlMs: 60_000,
      owner: 'sweeper-1',
      ownerAlive: (owner) => owner !== 'doomed-1' || doomedAlive,
    });
    expect((await sweeper.get(b.token))?.status_id).toBe(2);
    doomedAlive = false;
    await sweeper.expire();
    expect((await sweeper.get(b.token))?.status_id).toBe(1);
    expect((await sweeper.get(a.token))?.status_id).toBe(2);
    await Promise.all([live.close(), sibling.close(), sweeper.close()]);
  });
});

describe("Judge0's API: Internal Error and CORS", () => {
  it('answers 13 Internal Error when the sandbox fails, without its detail', async () => {
    const h = createFakeHarness(
      {},
      { execute: async () => ({ run: okRun({ status: 'internal', message: 'bwrap: x' }) }) },
    );
    try {
      const res = await h.post('/submissions?wait=true&fields=status,message', { source_code: 'x', language_id: 71 });
      expect(res.body).toEqual({ status: { id: 13, description: 'Internal Error' }, message: 'internal error' });
    } finally {
      await h.close();
    }
  });

  it('answers preflights on its paths without a key', async () => {
    const h = createFakeHarness({ RUNNER_API_KEYS: 'secret' });
    try {
      const res = await h.app.request('/submissions', {
        method: 'OPTIONS',
        headers: { Origin: 'http://ide.example', 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toMatch(/X-Auth-Token/i);
    } finally {
      await h.close();
    }
  });
});

describe("Judge0's API: RESULT_TTL", () => {
  it('forgets a finished submission once RESULT_TTL has passed', async () => {
    const h = createFakeHarness({ RESULT_TTL: '1' });
    try {
      const { body } = await h.post('/submissions?wait=true', { source_code: 'x', language_id: 71 });
      expect((await h.get(`/submissions/${body.token}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await h.get(`/submissions/${body.token}`)).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});

describe("the official Python SDK's flow (judge0-python's Client, request by request)", () => {
  it('reads languages, config_info and about, then submits base64 with wait and polls the token', async () => {
    const h = echoHarness();
    const headers = { 'X-Judge0-App': 'Judge0 Python SDK', 'X-Judge0-App-Version': '0.0.7' };
    try {
      // Client.__init__: get_languages() parses [{id, name}], get_config_info() builds the pydantic Config.
      const languages = (await h.get('/languages', headers)).body as { id: number; name: string }[];
      expect(languages.every((l) => Number.isInteger(l.id) && typeof l.name === 'string')).toBe(true);
      const config = (await h.get('/config_info', headers)).body as Record<string, unknown>;
      for (const key of sdkConfigKeys) {
        const value = config[key];
        if (key === 'allowed_languages_for_compile_options') expect(Array.isArray(value), key).toBe(true);
        else if (/^(allow_|enable_|maintenance|redirect|use_)/.test(key)) expect(typeof value, key).toBe('boolean');
        else expect(typeof value, key).toBe('number');
      }
      // Client.version reads /about; LANGUAGE_TO_LANGUAGE_ID["1.13.1"] maps PYTHON to 71 and CPP to 54.
      expect((await h.get('/about', headers)).body.version).toBe('1.13.1');
      expect(languages.map((l) => l.id)).toEqual(expect.arrayContaining([71, 54, 62]));

      const waited = await h.post(
        '/submissions?base64_encoded=true&wait=true',
        { source_code: b64('print(input())'), language_id: 71, stdin: b64('sdk') },
        { headers },
      );
      expect(waited.status).toBe(201);
      expect(Buffer.from(waited.body.stdout, 'base64').toString('utf8')).toBe('sdk');

      // create_submission: base64_encoded=true, wait=false -> {token}; get_submission: fields=* until done.
      const created = await h.post(
        '/submissions?base64_encoded=true&wait=false',
        { source_code: b64('print(input())'), language_id: 71, stdin: b64('polled') },
        { headers },
      );
      expect(Object.keys(created.body)).toEqual(['token']);
      let polled = await h.get(`/submissions/${created.body.token}?base64_encoded=true&fields=*`, headers);
      for (let i = 0; i < 100 && polled.body.status.id <= 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
        polled = await h.get(`/submissions/${created.body.token}?base64_encoded=true&fields=*`, headers);
      }
      expect(polled.body.status).toEqual({ id: 3, description: 'Accepted' });
      expect(Buffer.from(polled.body.stdout, 'base64').toString('utf8')).toBe('polled');
      expect(Buffer.from(polled.body.source_code, 'base64').toString('utf8')).toBe('print(input())');
      expect(Number.parseFloat(polled.body.time)).toBeGreaterThanOrEqual(0);
    } finally {
      await h.close();
    }
  });
});

describe("Judge0's workers", () => {
  it('put a submission that found every box busy back in the queue, and run it once one is free', async () => {
    let refusals = 2;
    const h = createFakeHarness(
      {},
      {
        async execute() {
          if (refusals-- > 0) throw new ClientError(503, 'every box is busy', { reason: 'busy' });
          return { run: okRun({ stdout: 'ran' }) };
        },
      },
    );
    try {
      const res = await h.post('/submissions?wait=true&fields=stdout,status_id', { source_code: 'x', language_id: 71 });
      expect(res.body).toEqual({ stdout: 'ran', status_id: 3 });
      expect(h.runner.jobs).toHaveLength(3);
    } finally {
      await h.close();
    }
  });
});

describe("Judge0's callbacks through the API (a real receiver on loopback)", () => {
  type Received = { method: string; type: string | undefined; body: Record<string, unknown> };
  const received: Received[] = [];
  let receiver: Server;
  let port = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        received.push({ method: req.method ?? '', type: req.headers['content-type'], body: JSON.parse(text) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => receiver.close(resolve)));
  afterEach(() => {
    received.length = 0;
  });
  const waitFor = async (check: () => boolean, ms = 5000) => {
    for (const until = Date.now() + ms; !check() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
  };

  it('refuses callback_url unless CALLBACK_ALLOW is set, as Judge0 with callbacks off', async () => {
    const h = echoHarness();
    try {
      const res = await h.post('/submissions', {
        source_code: 'print(1)',
        language_id: 71,
        callback_url: `http://127.0.0.1:${port}/hook`,
      });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ callback_url: ['setting callback is not allowed'] });
      expect((await h.get('/config_info')).body.enable_callbacks).toBe(false);
    } finally {
      await h.close();
    }
  });

  it('PUTs the finished submission (default fields, base64) to an allowed address', async () => {
    const h = echoHarness({ CALLBACK_ALLOW: '127.0.0.1/32' });
    try {
      expect((await h.get('/config_info')).body.enable_callbacks).toBe(true);
      const url = `http://127.0.0.1:${port}/hook?from=judge0`;
      const res = await h.post('/submissions?wait=true&fields=token,callback_url', {
        source_code: 'print(1)',
        language_id: 71,
        stdin: 'called back',
        callback_url: url,
      });
      expect(res.status).toBe(201);
      expect(res.body.callback_url).toBe(url);
      await waitFor(() => received.length > 0);
      expect(received).toEqual([
        {
          method: 'PUT',
          type: 'application/json',
          body: {
            token: res.body.token,
            stdout: b64('called back'),
            stderr: null,
            compile_output: null,
            message: null,
            time: '0.012',
            memory: 2048,
            status: { id: 3, description: 'Accepted' },
          },
        },
      ]);
    } finally {
      await h.close();
    }
  });

  it('refuses a host that is not listed, and never calls a listed name that resolves to loopback', async () => {
    const h = echoHarness({ CALLBACK_ALLOW: 'localhost, hooks.example.com' });
    try {
      const refused = await h.post('/submissions', {
        source_code: 'print(1)',
        language_id: 71,
        callback_url: `http://127.0.0.1:${port}/hook`,
      });
      expect(refused.status).toBe(422);
      expect(refused.body.callback_url?.[0]).toMatch(/127\.0\.0\.1.*loopback.*CALLBACK_ALLOW/);
      const other = await h.post('/submissions', {
        source_code: 'print(1)',
        language_id: 71,
        callback_url: 'https://elsewhere.example.org/hook',
      });
      expect(other.body).toEqual({ callback_url: ['host "elsewhere.example.org" is not allowed (CALLBACK_ALLOW)'] });
      // Listed by name, accepted; but it resolves to 127.0.0.1, which only a CIDR may allow: nothing is sent.
      const res = await h.post('/submissions?wait=true', {
        source_code: 'print(1)',
        language_id: 71,
        callback_url: `http://localhost:${port}/hook`,
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toEqual({ id: 3, description: 'Accepted' });
      await new Promise((r) => setTimeout(r, 500));
      expect(received).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
