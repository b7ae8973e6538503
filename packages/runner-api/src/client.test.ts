import { once } from 'node:events';
import { createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRunnerClient,
  RunnerBusyError,
  RunnerHttpError,
  RunnerProtocolError,
  RunnerUnreachableError,
} from './client.ts';
import { ExecuteRequestSchema, type ExecuteResponse, type InfoResponse, RunV1RequestSchema } from './schemas.ts';

const stage = {
  stdout: 'hi\n',
  stderr: '',
  output: 'hi\n',
  code: 0,
  signal: null,
  message: null,
  status: null,
  cpu_time: 4,
  wall_time: 9,
  memory: 1024,
};

const limits = {
  compile_timeout: 10_000,
  run_timeout: 3000,
  compile_cpu_time: 10_000,
  run_cpu_time: 3000,
  compile_memory_limit: 512 << 20,
  run_memory_limit: 256 << 20,
  processes: 64,
  file_size: 16 << 20,
  disk: 64 << 20,
  open_files: 256,
  stdout: 65536,
  stderr: 65536,
};

// A small server that speaks the contract, so that the client is tested over real HTTP.
function contractApp(): Hono {
  const app = new Hono();
  const seen: { auth?: string } = {};
  app.get('/api/v2/runtimes', (c) => c.json([{ language: 'python', version: '3.11.2', aliases: ['py'] }]));
  app.post('/api/v2/execute', async (c) => {
    seen.auth = c.req.header('authorization');
    const parsed = ExecuteRequestSchema.safeParse(await c.req.json());
    if (!parsed.success) return c.json({ message: parsed.error.issues[0]?.message ?? 'bad' }, 400);
    if (parsed.data.language === 'busy') return c.json({ message: 'all boxes busy' }, 503, { 'Retry-After': '2' });
    if (parsed.data.language === 'limited') return c.json({ message: 'slow down' }, 429, { 'Retry-After': '7' });
    if (parsed.data.language === 'weird') return c.json({ hello: 'world' });
    if (parsed.data.language === 'plain') return c.text('gateway fell over', 502);
    if (parsed.data.language === 'slow') await new Promise((r) => setTimeout(r, 5000));
    const body: ExecuteResponse = {
      language: parsed.data.language,
      version: '3.11.2',
      run: { ...stage, stdout: `${seen.auth ?? 'anonymous'}\n` },
    };
    return c.json(body);
  });
  app.get('/api/v2/info', (c) => {
    const info: InfoResponse = {
      isolation: { level: 'full', layers: { process: { available: true, detail: 'x' } }, cgroup: 'v1', root: true },
      limits: { defaults: limits, maxima: limits },
      pool: { size: 2, busy: 0, queued: 0, max_queue: 100, queue_timeout: 5000 },
      compile_cache: { entries: 0, bytes: 0, max_bytes: 1, hits: 0, misses: 0 },
      versions: { server: '0.0.0', node: process.version },
      runtimes: [],
    };
    return c.json(info);
  });
  app.get('/api/v1/languages', (c) => c.json({ languages: ['python3', 'c++'] }));
  app.post('/api/v1/run', async (c) => {
    const parsed = RunV1RequestSchema.safeParse(await c.req.json());
    if (!parsed.success) return c.json({ error: '"language" and "source" fields are required' }, 400);
    return c.json({ stdout: 'hello world\n', stderr: '', error: '' });
  });
  return app;
}

describe('createRunnerClient over loopback HTTP', () => {
  let server: ReturnType<typeof serve>;
  let baseUrl = '';

  beforeAll(async () => {
    server = serve({ fetch: contractApp().fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    baseUrl = `http://127.0.0.1:${address.port}/`;
  });
  afterAll(() => {
    server.close();
  });

  it('lists runtimes, info and v1 languages, typed and checked', async () => {
    const client = createRunnerClient({ baseUrl });
    expect(await client.runtimes()).toEqual([{ language: 'python', version: '3.11.2', aliases: ['py'] }]);
    expect((await client.info()).pool.size).toBe(2);
    expect(await client.languagesV1()).toEqual({ languages: ['python3', 'c++'] });
  });

  it('executes and sends the API key as a bearer token', async () => {
    const client = createRunnerClient({ baseUrl, apiKey: 'k1' });
    const res = await client.execute({ language: 'python', version: '*', files: [{ content: 'print(1)' }] });
    expect(res.run.stdout).toBe('Bearer k1\n');
    expect(res.compile).toBeUndefined();
  });

  it('runs v1', async () => {
    const client = createRunnerClient({ baseUrl });
    expect(await client.runV1({ language: 'python3', source: 'print("hello world")' })).toEqual({
      stdout: 'hello world\n',
      stderr: '',
      error: '',
    });
  });

  it('throws RunnerHttpError with the message of a v2 and of a v1 error body', async () => {
    const client = createRunnerClient({ baseUrl });
    const v2 = await client.execute({ language: 'python', files: [] }).catch((e: unknown) => e);
    expect(v2).toBeInstanceOf(RunnerHttpError);
    expect(v2).toMatchObject({
      status: 400,
      message: '"files" must hold at least one file (the first is the main file)',
    });
    const v1 = await client.runV1({ language: '', source: 'x' }).catch((e: unknown) => e);
    expect(v1).toMatchObject({ status: 400, message: '"language" and "source" fields are required' });
  });

  it('throws RunnerHttpError with the text of a non-JSON error', async () => {
    const client = createRunnerClient({ baseUrl });
    const error = await client.execute({ language: 'plain', files: [{ content: '' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerHttpError);
    expect(error).toMatchObject({ status: 502, message: 'gateway fell over' });
  });

  it('throws RunnerBusyError with Retry-After on 503, and keeps Retry-After on 429', async () => {
    const client = createRunnerClient({ baseUrl });
    const busy = await client.execute({ language: 'busy', files: [{ content: '' }] }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RunnerBusyError);
    expect(busy).toMatchObject({ status: 503, retryAfterSeconds: 2, message: 'all boxes busy' });
    const limited = await client.execute({ language: 'limited', files: [{ content: '' }] }).catch((e: unknown) => e);
    expect(limited).not.toBeInstanceOf(RunnerBusyError);
    expect(limited).toMatchObject({ status: 429, retryAfterSeconds: 7 });
  });

  it('throws RunnerProtocolError when a 200 body does not match the contract', async () => {
    const client = createRunnerClient({ baseUrl });
    const error = await client.execute({ language: 'weird', files: [{ content: '' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerProtocolError);
    expect((error as Error).message).toMatch(
      /^unexpected answer from http:\/\/127\.0\.0\.1:\d+\/api\/v2\/execute: language: /,
    );
  });

  it('rethrows the abort reason when the caller aborts', async () => {
    const client = createRunnerClient({ baseUrl });
    const controller = new AbortController();
    const pending = client.execute({ language: 'slow', files: [{ content: '' }] }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(pending).rejects.toThrow('user gave up');
  });
});

describe('createRunnerClient without a server', () => {
  it('throws RunnerUnreachableError naming the URL when nothing listens', async () => {
    // Take a free port, then close it: connecting to it is refused.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const address = probe.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    probe.close();
    await once(probe, 'close');
    const client = createRunnerClient({ baseUrl: `http://127.0.0.1:${address.port}` });
    const error = await client.runtimes().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerUnreachableError);
    expect(error).toMatchObject({ url: `http://127.0.0.1:${address.port}/api/v2/runtimes` });
  });

  it('works with a fetch bound to app.request', async () => {
    const app = contractApp();
    const client = createRunnerClient({
      baseUrl: 'http://runner.test',
      fetch: (input, init) => Promise.resolve(app.request(input as string, init)),
    });
    expect(await client.languagesV1()).toEqual({ languages: ['python3', 'c++'] });
  });
});

describe('ExecuteRequestSchema', () => {
  const base = { language: 'python', version: '*', files: [{ content: 'print(1)' }] };

  it('takes limits as Piston clients send them: absent, null or 0 = the default, -1 = the maximum', () => {
    for (const value of [undefined, null, 0, -1, 1, 3000]) {
      const parsed = ExecuteRequestSchema.safeParse({ ...base, run_timeout: value, run_memory_limit: value });
      expect(parsed.success, `value ${value}`).toBe(true);
    }
  });

  it('refuses other values with the allowed forms', () => {
    const parsed = ExecuteRequestSchema.safeParse({ ...base, run_timeout: -2 });
    expect(parsed.error?.issues[0]?.message).toBe(
      '"run_timeout" must be -1 (the maximum), 0 (the default) or more milliseconds',
    );
    expect(ExecuteRequestSchema.safeParse({ ...base, compile_memory_limit: 1.5 }).error?.issues[0]?.message).toBe(
      '"compile_memory_limit" must be a whole number of bytes',
    );
  });
});
