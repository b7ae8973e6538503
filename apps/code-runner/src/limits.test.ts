import { ConfigError } from '@repo/service';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.ts';
import {
  describeLimitRange,
  limitAllowed,
  maximaFromConfig,
  OutOfBoundsError,
  quoteValue,
  requestLimits,
  resolveLimits,
} from './limits.ts';

const maxima = maximaFromConfig(readConfig({}));

describe('resolveLimits: the values of Piston clients', () => {
  it('takes absent, null and 0 as the default (the maximum) and -1 as the maximum, for every limit', () => {
    const defaults = resolveLimits({}, maxima);
    for (const key of Object.keys(requestLimits) as (keyof typeof requestLimits)[]) {
      for (const value of [null, 0, -1]) expect(resolveLimits({ [key]: value }, maxima)).toEqual(defaults);
    }
    expect(defaults.run).toMatchObject({ wallTimeMs: 3000, cpuTimeMs: 3000, memoryBytes: 256 * 2 ** 20 });
    expect(defaults.compile).toMatchObject({ wallTimeMs: 10_000, cpuTimeMs: 10_000, memoryBytes: 512 * 2 ** 20 });
  });

  it("takes the sandbox's minimum and the server's maximum, and nothing past either", () => {
    expect(resolveLimits({ run_timeout: 1, run_memory_limit: 4 * 2 ** 20 }, maxima).run).toMatchObject({
      wallTimeMs: 1,
      memoryBytes: 4 * 2 ** 20,
    });
    expect(resolveLimits({ compile_cpu_time: 10_000 }, maxima).compile.cpuTimeMs).toBe(10_000);
    expect(() => resolveLimits({ run_memory_limit: 4 * 2 ** 20 - 1 }, maxima)).toThrow(
      new OutOfBoundsError(
        'run_memory_limit',
        'run_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to 268435456 bytes, got 4194303',
      ),
    );
    for (const bad of [-2, 3001, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => resolveLimits({ run_timeout: bad }, maxima)).toThrow(
        /^run_timeout must be -1 \(the maximum\), 0 \(the default\) or from 1 to 3000 ms, got /,
      );
      expect(limitAllowed('run_timeout', bad, maxima)).toBe(false);
    }
  });

  it('describes each range in the units of the API', () => {
    expect(describeLimitRange('compile_timeout', maxima)).toBe(
      'compile_timeout must be -1 (the maximum), 0 (the default) or from 1 to 10000 ms',
    );
    expect(describeLimitRange('compile_memory_limit', maxima)).toBe(
      'compile_memory_limit must be -1 (the maximum), 0 (the default) or from 4194304 to 536870912 bytes',
    );
  });

  it('quotes values briefly', () => {
    expect(quoteValue(4096)).toBe('4096');
    expect(quoteValue('100')).toBe('"100"');
    expect(quoteValue('x'.repeat(100))).toBe(`"${'x'.repeat(36)}..."`);
    expect(quoteValue(Array(50).fill(1))).toBe(`[${'1,'.repeat(18)}...`);
  });
});

describe('the maxima of the configuration', () => {
  const problem = (vars: Record<string, string>) => {
    try {
      readConfig(vars);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
    }
    return null;
  };

  it("refuses maxima the sandbox would refuse at every run: below its minimum, above a wall timer's reach", () => {
    expect(problem({ MAX_RUN_MEMORY_BYTES: String(2 ** 20) })).toContain(
      'MAX_RUN_MEMORY_BYTES: expected a whole number >= 4194304 (got "1048576")',
    );
    expect(problem({ MAX_DISK_BYTES: '1' })).toContain('MAX_DISK_BYTES: expected a whole number >= 65536');
    expect(problem({ MAX_RUN_TIMEOUT_MS: String(2 ** 31) })).toContain(
      'MAX_RUN_TIMEOUT_MS: expected a whole number from 1 to 2147483647 (got "2147483648")',
    );
    expect(problem({ MAX_OPEN_FILES: '8' })).toContain('MAX_OPEN_FILES: expected a whole number >= 16');
    expect(problem({ MAX_RUN_MEMORY_BYTES: String(4 * 2 ** 20), MAX_RUN_TIMEOUT_MS: String(2 ** 31 - 1) })).toBeNull();
  });
});
