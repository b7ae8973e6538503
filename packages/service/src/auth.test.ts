import { describe, expect, it } from 'vitest';
import { requestToken, TokenSet } from './auth.ts';

const headers = (values: Record<string, string>) => (name: string) => values[name];

describe('requestToken', () => {
  it('reads a Bearer token, whatever the scheme case and spaces', () => {
    expect(requestToken(headers({ authorization: 'Bearer abc' }))).toBe('abc');
    expect(requestToken(headers({ authorization: 'bearer   abc  ' }))).toBe('abc');
  });

  it('reads X-API-Key only where asked to, and the Bearer token first', () => {
    expect(requestToken(headers({ 'x-api-key': 'k' }))).toBeUndefined();
    expect(requestToken(headers({ 'x-api-key': 'k' }), { apiKeyHeader: true })).toBe('k');
    expect(requestToken(headers({ authorization: 'Bearer b', 'x-api-key': 'k' }), { apiKeyHeader: true })).toBe('b');
  });

  it('finds none in another scheme, an empty Bearer or no header', () => {
    expect(requestToken(headers({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeUndefined();
    expect(requestToken(headers({ authorization: 'Bearer ' }))).toBeUndefined();
    expect(requestToken(headers({ 'x-api-key': ' ' }), { apiKeyHeader: true })).toBeUndefined();
    expect(requestToken(headers({}))).toBeUndefined();
  });
});

describe('TokenSet', () => {
  it('accepts each of its tokens and nothing else', () => {
    const tokens = new TokenSet(['one', 'two']);
    expect(tokens.size).toBe(2);
    expect(tokens.has('one')).toBe(true);
    expect(tokens.has('two')).toBe(true);
    expect(tokens.has('three')).toBe(false);
    expect(tokens.has('on')).toBe(false);
    expect(tokens.has('')).toBe(false);
    expect(new TokenSet([]).has('one')).toBe(false);
  });
});
