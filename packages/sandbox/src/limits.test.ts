import { describe, expect, it } from 'vitest';
import { SandboxOptionError } from './errors.ts';
import { defaultLimits, resolveLimits } from './limits.ts';

describe('resolveLimits', () => {
  it('fills in the defaults of the spec', () => {
    expect(resolveLimits({ wallTimeMs: 500 })).toEqual({ ...defaultLimits, wallTimeMs: 500 });
    expect(defaultLimits.memoryBytes).toBe(256 * 1024 * 1024);
    expect(defaultLimits.network).toBe(false);
  });

  it('quotes a bad value and says what is expected', () => {
    expect(() => resolveLimits({ wallTimeMs: -1 })).toThrow(
      new SandboxOptionError('Expected `limits.wallTimeMs` to be an integer >= 1, got `-1` (number)'),
    );
    expect(() => resolveLimits({ network: 'yes' as unknown as boolean })).toThrow(/limits.network.*boolean/);
    expect(() => resolveLimits({ bogus: 1 } as never)).toThrow(/Unknown limit `bogus`/);
  });
});
