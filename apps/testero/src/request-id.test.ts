import { describe, expect, it } from 'vitest';
import { nextRequestId } from './request-id.ts';

describe('nextRequestId', () => {
  it('gives wall-clock nanoseconds, strictly increasing even when called in a tight loop', () => {
    const ids = Array.from({ length: 10_000 }, () => nextRequestId());
    for (let i = 1; i < ids.length; i++) expect((ids[i] as bigint) > (ids[i - 1] as bigint)).toBe(true);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const last = ids.at(-1) as bigint;
    // Within a second of Date.now(): the same clock, finer.
    expect(last > nowNs - 1_000_000_000n && last < nowNs + 1_000_000_000n).toBe(true);
    expect(String(last)).toMatch(/^\d{19}$/);
  });
});
