import type { MiddlewareHandler } from 'hono';
import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** A JSON-lines logger (pino). `silent` for tests. */
export function createLogger(options: { name: string; level?: LoggerOptions['level'] }): Logger {
  return pino({ name: options.name, level: options.level ?? 'info', base: { service: options.name } });
}

let lastId = 0;
/** A short id unique within this process, also accepted from a client's `X-Request-Id` when sane. */
export function newRequestId(): string {
  lastId = (lastId + 1) % Number.MAX_SAFE_INTEGER;
  return `${Date.now().toString(36)}-${lastId.toString(36)}`;
}

export type RequestLogVariables = { requestId: string; logger: Logger };

/** One log line per request, with a request id that is also sent back as `X-Request-Id`. */
export function requestLog(
  logger: Logger,
  options: {
    /**
     * Paths polled all the time (probes, scrapes, a dashboard's status): their successful requests are logged at
     * debug level, so that they do not bury the others; failures stay at info or error.
     */
    quietPaths?: readonly string[];
  } = {},
): MiddlewareHandler<{ Variables: RequestLogVariables }> {
  const quiet = new Set(options.quietPaths ?? []);
  return async function requestLogMiddleware(c, next) {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : newRequestId();
    const child = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', child);
    const started = performance.now();
    await next();
    c.header('X-Request-Id', requestId);
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const line = { method: c.req.method, path: c.req.path, status: c.res.status, durationMs };
    if (c.res.status >= 500) child.error(line, 'request');
    else if (c.res.status < 400 && quiet.has(c.req.path)) child.debug(line, 'request');
    else child.info(line, 'request');
  };
}
