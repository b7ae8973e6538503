import { requestToken, TokenSet } from '@repo/service';
import type { MiddlewareHandler } from 'hono';
import { ClientError } from '../errors.ts';

export interface ApiKeyOptions {
  keys: readonly string[];
}

/** The key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function requestApiKey(header: (name: string) => string | undefined): string | undefined {
  return requestToken(header, { apiKeyHeader: true });
}

/** Refuses requests without one of `keys` (a 401 ClientError). Keys are compared in constant time (on their hashes). */
export function apiKeys(options: ApiKeyOptions): MiddlewareHandler {
  const known = new TokenSet(options.keys);
  return async function apiKeyCheck(c, next) {
    const key = requestApiKey((name) => c.req.header(name));
    if (key === undefined) {
      throw new ClientError(401, 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    if (!known.has(key)) {
      throw new ClientError(401, 'the API key is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    await next();
  };
}
