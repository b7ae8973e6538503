import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { ClientError } from '../errors.ts';
import { requestApiKey } from './auth.ts';

export interface RateLimitOptions {
  /** Requests per client per minute. */
  perMinute: number;
  now?: () => number;
}

/** The client a request counts against: its API key when it sends one, else its address. */
export function clientKey(c: Context): string {
  const key = requestApiKey((name) => c.req.header(name));
  if (key) return `key:${key}`;
  try {
    return `ip:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    // No socket (app.request in tests): all such requests share one bucket.
    return 'ip:unknown';
  }
}

/**
 * A fixed one-minute window per client with the IETF draft headers (RateLimit-Limit, -Remaining, -Reset,
 * RateLimit-Policy); past the limit a 429 ClientError with Retry-After. All windows start together, so the whole table is
 * dropped when a minute ends and never grows past one minute's clients.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const limit = options.perMinute;
  let window = -1;
  let counts = new Map<string, number>();
  return async function rateLimitCheck(c, next) {
    const time = now();
    const current = Math.floor(time / 60_000);
    if (current !== window) {
      window = current;
      counts = new Map();
    }
    const client = clientKey(c);
    const used = (counts.get(client) ?? 0) + 1;
    counts.set(client, used);
    const reset = Math.max(1, Math.ceil(((current + 1) * 60_000 - time) / 1000));
    const headers = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, limit - used)),
      'RateLimit-Reset': String(reset),
      'RateLimit-Policy': `${limit};w=60`,
    };
    if (used > limit) {
      throw new ClientError(429, `rate limit of ${limit} requests per minute exceeded; retry in ${reset} s`, {
        headers: { ...headers, 'Retry-After': String(reset) },
        reason: 'rate limited',
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
