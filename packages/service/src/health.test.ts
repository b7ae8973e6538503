import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createRegistry, healthRoutes } from './health.ts';
import { createLogger, requestLog } from './logger.ts';

describe('healthRoutes', () => {
  it('answers alive, ready and the default metrics', async () => {
    const app = healthRoutes({ registry: createRegistry('test_') });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.request('/readyz')).status).toBe(200);
    const metrics = await app.request('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('test_process_cpu_seconds_total');
  });

  it('answers 503 with the reason while not ready', async () => {
    const app = healthRoutes({
      registry: createRegistry(),
      readiness: () => ({ ready: false, reason: 'self-test failed' }),
    });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', reason: 'self-test failed' });
  });

  it('answers /healthz 503 with the reason once the liveness check says broken, and ok again after', async () => {
    let alive = false;
    const app = healthRoutes({
      registry: createRegistry(),
      liveness: () => (alive ? { ready: true } : { ready: false, reason: 'sandbox broken' }),
    });
    const broken = await app.request('/healthz');
    expect(broken.status).toBe(503);
    expect(await broken.json()).toEqual({ status: 'unhealthy', reason: 'sandbox broken' });
    alive = true;
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('requestLog', () => {
  it('logs one JSON line per request with a request id that is sent back', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ base: null }, { write: (line: string) => lines.push(line) });
    const app = new Hono().use(requestLog(logger)).get('/x', (c) => c.text('hi'));
    const res = await app.request('/x', { headers: { 'X-Request-Id': 'abc-1' } });
    expect(res.headers.get('x-request-id')).toBe('abc-1');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: 'abc-1',
      method: 'GET',
      path: '/x',
      status: 200,
    });

    const generated = await app.request('/x', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[a-z0-9]+-[a-z0-9]+$/);
    expect(createLogger({ name: 't', level: 'silent' }).level).toBe('silent');
  });

  it('logs the successful requests of quiet paths at debug level, their failures as any other', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ base: null, level: 'debug' }, { write: (line: string) => lines.push(line) });
    const app = new Hono()
      .use(requestLog(logger, { quietPaths: ['/status'] }))
      .get('/status', (c) => (c.req.query('fail') ? c.text('no', 503) : c.text('ok')))
      .get('/x', (c) => c.text('hi'));
    await app.request('/status');
    await app.request('/status?fail=1');
    await app.request('/x');
    expect(lines.map((line) => JSON.parse(line) as { level: number; path: string; status: number })).toEqual([
      expect.objectContaining({ level: 20, path: '/status', status: 200 }),
      expect.objectContaining({ level: 50, path: '/status', status: 503 }),
      expect.objectContaining({ level: 30, path: '/x', status: 200 }),
    ]);
  });
});
