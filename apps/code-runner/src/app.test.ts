// The routes' own answers (validation, error shapes, listings, keys and rate limit) over a fake runner: nothing
// runs, so each answers in milliseconds. What runs programs is in app.e2e.test.ts, with the real sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeRunner, FakeRunnerOptions } from '../test/fake-runner.ts';
import { createFakeHarness, type Harness } from '../test/harness.ts';
import { PoolBusyError, PoolClosedError } from './pool.ts';

let h: Harness<FakeRunner>;
beforeAll(() => {
  h = createFakeHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('v1: the requests of the original test suite', () => {
  it('refuses {"SomeKey":"SomeVal"} (400)', async () => {
    const res = await h.post('/api/v1/run', { SomeKey: 'SomeVal' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: '"source" is required; "language" is required' });
  });

  it('refuses a body that is a JSON string (400)', async () => {
    const res = await h.post('/api/v1/run', 'print("hello")');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'the body must be a JSON object with "source" and "language"' });
  });

  it('refuses random-lang (400)', async () => {
    const res = await h.post('/api/v1/run', { source: 'x', language: 'random-lang' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid language: [random-lang] not currently supported' });
  });

  it('answers OPTIONS with 200 and CORS headers', async () => {
    const res = await h.app.request('/api/v1/run', {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('v1: validation', () => {
  it('refuses a body that is not JSON', async () => {
    const res = await h.post('/api/v1/run', '{"source": ', { raw: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'the body is not valid JSON' });
  });

  it('refuses empty fields and says which', async () => {
    const res = await h.post('/api/v1/run', { source: '', language: 'python3' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: '"source" must not be empty' });
  });

  it('lists the v1 names of the languages it can run', async () => {
    const res = await h.get('/api/v1/languages');
    expect(res.status).toBe(200);
    // Once each: a language's other runtimes (lua's luajit, c's clang) share its v1 name.
    expect(res.body.languages).toEqual([...new Set(h.runner.runtimes.map((r) => r.spec.v1Name))]);
    expect(res.body.languages).toContain('python3');
  });
});

describe('v2: validation and errors', () => {
  it('names an unknown runtime like Piston', async () => {
    const res = await h.post('/api/v2/execute', { language: 'python', version: '9.9.9', files: [{ content: '' }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'python-9.9.9 runtime is unknown' });
  });

  it('refuses a limit above the server maximum, naming the limit and the maximum', async () => {
    const res = await h.post('/api/v2/execute', {
      language: 'python',
      files: [{ content: '' }],
      run_timeout: 999_999,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      message: 'run_timeout must be -1 (the maximum), 0 (the default) or from 1 to 3000 ms, got 999999',
    });
    const memory = await h.post('/api/v2/execute', {
      language: 'python',
      files: [{ content: '' }],
      run_memory_limit: 2 ** 40,
    });
    expect(memory.body).toEqual({
      message: `run_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to ${256 * 2 ** 20} bytes, got ${2 ** 40}`,
    });
  });

  it('refuses files that climb out of the box, duplicates, bad encodings and an empty list', async () => {
    const climb = await h.post('/api/v2/execute', { language: 'python', files: [{ name: '../x.py', content: '' }] });
    expect(climb.status).toBe(400);
    expect(climb.body.message).toBe('files[0].name: file name "../x.py" must not climb out of the box with ".."');
    const twice = await h.post('/api/v2/execute', {
      language: 'python',
      files: [
        { name: 'a.py', content: '' },
        { name: 'a.py', content: '' },
      ],
    });
    expect(twice.body).toEqual({ message: 'two files are named "a.py"; names must be unique' });
    const hex = await h.post('/api/v2/execute', { language: 'python', files: [{ content: 'zz', encoding: 'hex' }] });
    expect(hex.body).toEqual({ message: 'files[0].content is not valid hex (pairs of 0-9a-f)' });
    const none = await h.post('/api/v2/execute', { language: 'python', files: [] });
    expect(none.body).toEqual({ message: '"files" must hold at least one file (the first is the main file)' });
  });

  it('refuses a body over 1 MiB with 413 before parsing it', async () => {
    const res = await h.post('/api/v2/execute', `"${'x'.repeat(1024 * 1024 + 10)}"`, { raw: true });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ message: 'the body is larger than 1048576 bytes (1 MiB)' });
    const v1 = await h.post('/api/v1/run', { source: 'x'.repeat(1024 * 1024 + 10), language: 'python3' });
    expect(v1.status).toBe(413);
    expect(v1.body.error).toMatch(/larger than 1048576 bytes/);
  });

  it("answers unknown API paths in the version's shape", async () => {
    expect((await h.get('/api/v2/nothing')).body).toEqual({ message: 'no route for GET /api/v2/nothing' });
    expect((await h.get('/api/v1/nothing')).body).toEqual({ error: 'no route for GET /api/v1/nothing' });
  });

  it("lists runtimes in Piston's shape", async () => {
    const res = await h.get('/api/v2/runtimes');
    expect(res.status).toBe(200);
    expect(res.body).toContainEqual({
      language: 'python',
      version: expect.any(String),
      aliases: ['py', 'py3', 'python3', 'cpython'],
      runtime: 'cpython',
    });
    expect(res.body).toContainEqual({ language: 'go', version: expect.any(String), aliases: ['golang'] });
  });

  it('reports isolation, limits, pool and versions at /api/v2/info', async () => {
    const res = await h.get('/api/v2/info');
    expect(res.status).toBe(200);
    expect(res.body.isolation.level).toBe(h.runner.isolation.level);
    // Where the box is and where the figures come from, as the level in force has them.
    const namespaces = h.runner.isolation.level !== 'basic';
    expect(res.body.isolation.box_path).toBe(namespaces ? '/box' : null);
    const cgroups = h.runner.isolation.layers.cgroups.available;
    expect(res.body.isolation.usage).toEqual(
      cgroups ? { memory: 'cgroup', cpu_time: 'cgroup' } : { memory: 'rusage', cpu_time: 'rusage' },
    );
    expect(res.body.limits.maxima).toMatchObject({ run_timeout: 3000, compile_timeout: 10_000, processes: 64 });
    expect(res.body.pool).toMatchObject({ size: 2, busy: expect.any(Number), queued: 0 });
    expect(res.body.versions.node).toBe(process.versions.node);
  });
});

describe('operation', () => {
  it("serves /openapi.json generated from the contract's schemas, and /docs", async () => {
    const doc = await h.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/languages',
        '/api/v1/run',
        '/api/v2/runtimes',
        '/api/v2/execute',
        '/api/v2/info',
      ]),
    );
    expect(doc.body.components.schemas).toHaveProperty('ExecuteRequest');
    expect(doc.body.components.schemas).toHaveProperty('Stage');
    const docs = await h.get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('/openapi.json');
  });
});

describe('errors: each API answers in its own shape, with the status the error carries', () => {
  /** An app whose runner's execute() does `execute`. */
  const failing = (execute: FakeRunnerOptions['execute']) => createFakeHarness({}, { execute });
  const python = { language: 'python', files: [{ content: 'print(1)' }] };
  const python3 = { language: 'python3', source: 'print(1)' };

  it('answers a full pool 503 with Retry-After in both shapes, counted as busy', async () => {
    const busy = failing(async () => {
      throw new PoolBusyError('no box became free within 3000 ms', 3);
    });
    const v2 = await busy.post('/api/v2/execute', python);
    expect(v2.status).toBe(503);
    expect(v2.headers.get('retry-after')).toBe('3');
    expect(v2.body).toEqual({ message: 'no box became free within 3000 ms' });
    const v1 = await busy.post('/api/v1/run', python3);
    expect(v1.status).toBe(503);
    expect(v1.headers.get('retry-after')).toBe('3');
    expect(v1.body).toEqual({ error: 'no box became free within 3000 ms' });
    expect(busy.runner.rejected).toEqual(['busy', 'busy']);
  });

  it('answers a closing pool 503 with Retry-After 5, not counted as a rejection', async () => {
    const closing = failing(async () => {
      throw new PoolClosedError();
    });
    const res = await closing.post('/api/v1/run', python3);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toEqual({ error: 'the server is shutting down' });
    expect(closing.runner.rejected).toEqual([]);
  });

  it('counts refusals: invalid (body, runtime, files, limits), too large and rate limited', async () => {
    const fresh = createFakeHarness();
    await fresh.post('/api/v2/execute', { language: 'nothing', files: [{ content: '' }] });
    await fresh.post('/api/v2/execute', { language: 'python', files: [{ content: 'zz', encoding: 'hex' }] });
    const twice = { name: 'a.py', content: '' };
    await fresh.post('/api/v2/execute', { language: 'python', files: [twice, twice] });
    await fresh.post('/api/v1/run', { language: 'nothing', source: 'x' });
    await fresh.post('/api/v2/execute', { ...python, run_timeout: 999_999 });
    await fresh.post('/api/v1/run', { source: '' });
    await fresh.post('/api/v2/execute', `"${'x'.repeat(1024 * 1024 + 10)}"`, { raw: true });
    expect(fresh.runner.rejected).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'too large',
    ]);
    expect(fresh.runner.jobs).toEqual([]);
  });

  it('answers an unexpected error 500 "internal error" in both shapes', async () => {
    const broken = failing(async () => {
      throw new Error('something nobody expected');
    });
    const v2 = await broken.post('/api/v2/execute', python);
    expect(v2.status).toBe(500);
    expect(v2.body).toEqual({ message: 'internal error' });
    const v1 = await broken.post('/api/v1/run', python3);
    expect(v1.status).toBe(500);
    expect(v1.body).toEqual({ error: 'internal error' });
  });

  it('answers 499 when the client went away before the answer', async () => {
    const waiting = failing(
      (job) =>
        new Promise((_resolve, reject) => {
          job.signal?.addEventListener('abort', () => reject(job.signal?.reason), { once: true });
        }),
    );
    const gone = new AbortController();
    const pending = waiting.app.request('/api/v1/run', {
      method: 'POST',
      body: JSON.stringify(python3),
      signal: gone.signal,
    });
    await expect.poll(() => waiting.runner.jobs.length).toBe(1);
    gone.abort();
    const res = await pending;
    expect(res.status).toBe(499);
    expect(await res.json()).toEqual({ error: 'the client closed the request' });
  });

  it('answers a plain GET of /api/v2/connect 426 in the v2 shape', async () => {
    const res = await h.get('/api/v2/connect');
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.body.message).toMatch(/^GET \/api\/v2\/connect is a WebSocket endpoint/);
  });
});

describe('API keys and rate limit', () => {
  let keyed: Harness<FakeRunner>;
  beforeAll(() => {
    keyed = createFakeHarness({
      NUM_RUNNERS: '1',
      RUNNER_API_KEYS: 'k1, k2',
      RATE_LIMIT_PER_MINUTE: '3',
      WEB_ROOT: '/nonexistent/runner-web/dist',
    });
  });
  afterAll(async () => {
    await keyed?.close();
  });

  it('refuses /api without a key or with a wrong one, accepts Bearer and X-API-Key, keeps health open', async () => {
    const none = await keyed.get('/api/v2/runtimes');
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/API key is required/);
    expect((await keyed.get('/api/v1/languages', { authorization: 'Bearer nope' })).body).toEqual({
      error: 'the API key is not valid',
    });
    expect((await keyed.get('/api/v2/runtimes', { authorization: 'Bearer k1' })).status).toBe(200);
    expect((await keyed.get('/api/v2/runtimes', { 'x-api-key': 'k2' })).status).toBe(200);
    expect((await keyed.get('/healthz')).status).toBe(200);
    expect((await keyed.get('/metrics')).status).toBe(200);
    expect((await keyed.get('/openapi.json')).status).toBe(200);
    // Paths under /api that no API serves ask for the key too, before their 404.
    expect((await keyed.get('/api/v3/nothing')).status).toBe(401);
    expect((await keyed.get('/api/v3/nothing', { 'x-api-key': 'k1' })).body).toEqual({
      message: 'no route for GET /api/v3/nothing',
    });
  });

  it('says how to build the web page when it is not built (and / needs no key)', async () => {
    const res = await keyed.get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('/nonexistent/runner-web/dist');
    expect(res.text).toContain('pnpm --filter runner-web build');
  });

  it('limits each key per minute with RateLimit headers, then 429 with Retry-After', async () => {
    const headers = { 'x-api-key': 'k2' };
    // k2 used one request above; two more are allowed.
    const second = await keyed.get('/api/v2/runtimes', headers);
    expect(second.headers.get('ratelimit-limit')).toBe('3');
    expect(second.headers.get('ratelimit-remaining')).toBe('1');
    expect(second.headers.get('ratelimit-policy')).toBe('3;w=60');
    await keyed.get('/api/v2/runtimes', headers);
    const over = await keyed.get('/api/v2/runtimes', headers);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.body.message).toMatch(/rate limit of 3 requests per minute exceeded/);
    expect(keyed.runner.rejected).toContain('rate limited');
    // Another key has its own budget (unless the minute turned over meanwhile, which only helps).
    expect((await keyed.get('/api/v2/runtimes', { authorization: 'Bearer k1' })).status).toBe(200);
  });
});
