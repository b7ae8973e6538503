// The requests that run programs, through the app and a real sandbox. The routes' own answers (validation,
// error shapes, listings) are in app.test.ts, over a fake runner.
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
});

describe('v1: validation', () => {
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
});

describe('v2: validation and errors', () => {
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
