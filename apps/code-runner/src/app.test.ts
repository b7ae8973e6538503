import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const cppHello = '#include <iostream>\nint main() { std::cout << "hello world" << std::endl; return 0; }\n';

describe('v1: the requests of the original test suite', () => {
  it('runs C++ hello world (200)', async () => {
    const res = await h.post('/api/v1/run', { source: cppHello, language: 'c++' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ stdout: 'hello world\n', stderr: '', error: '' });
  });

  it('runs python print("hello world") (200)', async () => {
    const res = await h.post('/api/v1/run', { source: 'print("hello world")', language: 'python3' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stdout: 'hello world\n', stderr: '', error: '' });
  });

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

  it('ignores unknown fields', async () => {
    const res = await h.post('/api/v1/run', { source: 'print(1)', language: 'python3', extra: true });
    expect(res.status).toBe(200);
    expect(res.body.stdout).toBe('1\n');
  });

  it('reads the body as JSON whatever the Content-Type (curl -d sends form encoding)', async () => {
    const res = await h.app.request('/api/v1/run', {
      method: 'POST',
      body: JSON.stringify({ source: 'print(2)', language: 'python3' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stdout: '2\n', stderr: '', error: '' });
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

  it('matches versions by semver range and *', async () => {
    const python = h.runner.runtimes.find((r) => r.spec.name === 'python');
    const major = python?.version.split('.')[0];
    const res = await h.post('/api/v2/execute', {
      language: 'py',
      version: `${major}.x`,
      files: [{ content: 'print(3)' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ language: 'python', version: python?.version, run: { stdout: '3\n' } });
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

  it('decodes base64 and hex files', async () => {
    const res = await h.execute({
      language: 'python',
      files: [
        { content: Buffer.from('import helper\nprint(helper.X)').toString('base64'), encoding: 'base64' },
        { name: 'helper.py', content: Buffer.from('X = "from hex"').toString('hex'), encoding: 'hex' },
      ],
    });
    expect(res.run.stdout).toBe('from hex\n');
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
  it('serves /healthz, /readyz (ready after the self-test) and /metrics', async () => {
    expect((await h.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await h.get('/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await h.get('/metrics');
    expect(metrics.text).toContain('code_runner_executions_total{language="python",stage="run",status="ok"}');
    expect(metrics.text).toContain('code_runner_queue_length 0');
    expect(metrics.text).toContain('code_runner_boxes_busy');
    expect(metrics.text).toContain('code_runner_execution_duration_seconds_bucket');
  });

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

describe('API keys and rate limit', () => {
  let keyed: Harness;
  beforeAll(async () => {
    keyed = await createHarness({
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
    // Another key has its own budget (unless the minute turned over meanwhile, which only helps).
    expect((await keyed.get('/api/v2/runtimes', { authorization: 'Bearer k1' })).status).toBe(200);
  });
});

describe('Server-Timing (SERVER_TIMING=true)', () => {
  let timed: Harness;
  beforeAll(async () => {
    timed = await createHarness({ NUM_RUNNERS: '1', SERVER_TIMING: 'true' });
  });
  afterAll(async () => {
    await timed?.close();
  });

  it('names the phases of an execution, v2 and v1, and is absent where nothing ran', async () => {
    const run = await timed.post('/api/v2/execute', { language: 'c++', files: [{ content: cppHello }] });
    expect(run.status).toBe(200);
    const names = (header: string | null) => (header ?? '').split(', ').map((part) => part.split(';')[0]);
    expect(names(run.headers.get('server-timing'))).toEqual([
      'parse',
      'queue',
      'write',
      'compile',
      'run',
      'map',
      'total',
    ]);
    expect(run.headers.get('server-timing')).toMatch(/^parse;dur=\d+\.\d\d, /);
    const cached = await timed.post('/api/v2/execute', { language: 'c++', files: [{ content: cppHello }] });
    expect(names(cached.headers.get('server-timing'))).toContain('cache');
    const v1 = await timed.post('/api/v1/run', { language: 'python3', source: 'print(1)' });
    expect(names(v1.headers.get('server-timing'))).toEqual(['parse', 'queue', 'write', 'run', 'map', 'total']);
    expect((await timed.get('/api/v2/runtimes')).headers.get('server-timing')).toBeNull();
  });

  it('is off by default', async () => {
    const res = await h.post('/api/v2/execute', { language: 'python', files: [{ content: 'print(1)' }] });
    expect(res.headers.get('server-timing')).toBeNull();
  });
});
