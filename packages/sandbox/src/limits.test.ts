import { describe, expect, it } from 'vitest';
import { SandboxOptionError } from './errors.ts';
import { defaultLimits, execStringProblem, limitBounds, maxArgBytes, resolveLimits } from './limits.ts';

describe('resolveLimits', () => {
  it('fills in the defaults of the spec', () => {
    expect(resolveLimits({ wallTimeMs: 500 })).toEqual({ ...defaultLimits, wallTimeMs: 500 });
    expect(defaultLimits.memoryBytes).toBe(256 * 1024 * 1024);
    expect(defaultLimits.network).toBe(false);
  });

  it('quotes a bad value and says what is expected', () => {
    expect(() => resolveLimits({ wallTimeMs: -1 })).toThrow(
      new SandboxOptionError('Expected `limits.wallTimeMs` to be an integer from 1 to 2147483647, got `-1` (number)'),
    );
    expect(() => resolveLimits({ memoryBytes: 4096 })).toThrow(
      new SandboxOptionError('Expected `limits.memoryBytes` to be an integer >= 4194304, got `4096` (number)'),
    );
    expect(() => resolveLimits({ network: 'yes' as unknown as boolean })).toThrow(/limits.network.*boolean/);
    expect(() => resolveLimits({ bogus: 1 } as never)).toThrow(/Unknown limit `bogus`/);
    expect(() => resolveLimits({ toString: 1 } as never)).toThrow(/Unknown limit `toString`/);
  });

  it('accepts every bound and nothing past it', () => {
    for (const [key, { min, max }] of Object.entries(limitBounds)) {
      expect(resolveLimits({ [key]: min })).toMatchObject({ [key]: min });
      expect(resolveLimits({ [key]: max })).toMatchObject({ [key]: max });
      expect(() => resolveLimits({ [key]: min - 1 })).toThrow(SandboxOptionError);
      // Past 2^31 - 1 ms a setTimeout fires at once: a wall limit there would end the run at its start.
      if (key === 'wallTimeMs') expect(() => resolveLimits({ [key]: max + 1 })).toThrow(SandboxOptionError);
    }
    expect(resolveLimits(undefined)).toEqual(defaultLimits);
    for (const [key, value] of Object.entries(defaultLimits)) {
      if (key === 'network') continue;
      const { min, max } = limitBounds[key as keyof typeof limitBounds];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
  });
});

describe('execStringProblem', () => {
  it('refuses what exec() cannot take: NUL, over MAX_ARG_STRLEN, not a string', () => {
    expect(execStringProblem('a b\n\u0001')).toBeNull();
    expect(execStringProblem('a\0b')).toBe('must not contain NUL');
    expect(execStringProblem(1)).toBe('must be a string');
    expect(execStringProblem('x'.repeat(maxArgBytes))).toBeNull();
    expect(execStringProblem('x'.repeat(maxArgBytes + 1))).toBe('must be at most 131071 bytes (UTF-8), got 131072');
    // Counted in UTF-8: a lone surrogate is written as U+FFFD (3 bytes).
    expect(execStringProblem('é'.repeat(65_536))).toBe('must be at most 131071 bytes (UTF-8), got 131072');
    expect(execStringProblem('\ud800'.repeat(43_691))).toBe('must be at most 131071 bytes (UTF-8), got 131073');
    expect(execStringProblem('\ud800'.repeat(43_690))).toBeNull();
  });
});
