import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ClientError } from '../errors.ts';

export interface ApiKeyOptions {
  keys: readonly string[];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requestApiKey(header: (name: string) => string | undefined): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]?.trim();
  return bearer || header('x-api-key')?.trim() || undefined;
}

/** Refuses requests without one of `keys` (a 401 ClientError). Keys are compared in constant time (on their hashes). */
export function apiKeys(options: ApiKeyOptions): MiddlewareHandler {
  const known = options.keys.map(digest);
  return async function apiKeyCheck(c, next) {
    const key = requestApiKey((name) => c.req.header(name));
    if (key === undefined) {
      throw new ClientError(401, 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const given = digest(key);
    // Compare with every key so the time does not tell which one (or whether any) matched.
    let ok = false;
    for (const candidate of known) ok = timingSafeEqual(candidate, given) || ok;
    if (!ok) {
      throw new ClientError(401, 'the API key is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    await next();
  };
}
