import { Hono } from 'hono';
import { collectDefaultMetrics, Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Why not ready, for people and logs. */
  reason?: string;
}

export interface HealthOptions {
  registry: Registry;
  /** Called for every `/readyz`; alive but not ready answers 503. */
  readiness?: () => Readiness | Promise<Readiness>;
  /** Called for every `/healthz`; `ready: false` means broken beyond repair (restart me): 503. */
  liveness?: () => Readiness | Promise<Readiness>;
}

/** A metrics registry with the process's default metrics (CPU, memory, event loop lag, GC). */
export function createRegistry(prefix = ''): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}

/** `/healthz` (alive), `/readyz` (ready to take work), `/metrics` (Prometheus text format). */
export function healthRoutes(options: HealthOptions): Hono {
  const routes = new Hono();
  routes.get('/healthz', async (c) => {
    const liveness = options.liveness ? await options.liveness() : { ready: true };
    return liveness.ready
      ? c.json({ status: 'ok' })
      : c.json({ status: 'unhealthy', reason: liveness.reason ?? 'unknown' }, 503);
  });
  routes.get('/readyz', async (c) => {
    const readiness = options.readiness ? await options.readiness() : { ready: true };
    return c.json(
      readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason ?? 'unknown' },
      readiness.ready ? 200 : 503,
    );
  });
  routes.get('/metrics', async (c) => {
    const body = await options.registry.metrics();
    return c.body(body, 200, { 'Content-Type': options.registry.contentType });
  });
  return routes;
}
