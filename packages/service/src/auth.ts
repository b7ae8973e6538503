import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The token of a request: `Authorization: Bearer <token>`, or (when `apiKeyHeader`) `X-API-Key: <token>`;
 * undefined without one. `header` reads a request header by its lower-case name.
 */
export function requestToken(
  header: (name: string) => string | undefined,
  options: { apiKeyHeader?: boolean } = {},
): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]?.trim();
  if (bearer) return bearer;
  return options.apiKeyHeader ? header('x-api-key')?.trim() || undefined : undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The tokens a service accepts. A token is checked against every one in constant time (on their hashes). */
export class TokenSet {
  readonly #known: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#known = tokens.map(digest);
  }

  get size(): number {
    return this.#known.length;
  }

  /** Whether `token` is one of them; the time taken does not tell which one, nor whether any, matched. */
  has(token: string): boolean {
    const given = digest(token);
    let ok = false;
    for (const candidate of this.#known) ok = timingSafeEqual(candidate, given) || ok;
    return ok;
  }
}
