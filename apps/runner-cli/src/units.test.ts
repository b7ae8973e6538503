import { describe, expect, it } from 'vitest';
import { OptionValueError, parseBytes, parseMilliseconds } from './units.ts';

describe('parseBytes', () => {
  it('reads plain bytes, binary units (K, M, G, KiB, ...) and decimal ones (KB, MB, GB)', () => {
    expect(parseBytes('--memory', '268435456')).toBe(268435456);
    expect(parseBytes('--memory', '256M')).toBe(256 * 1024 * 1024);
    expect(parseBytes('--memory', '256MiB')).toBe(256 * 1024 * 1024);
    expect(parseBytes('--memory', '256mb')).toBe(256_000_000);
    expect(parseBytes('--memory', '1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('--memory', '512k')).toBe(512 * 1024);
    expect(parseBytes('--memory', '-1')).toBe(-1);
  });

  it('refuses what is not a size, naming the option and the value', () => {
    expect(() => parseBytes('--memory', '12Q')).toThrow(OptionValueError);
    expect(() => parseBytes('--memory', '12Q')).toThrow('--memory expects a size in bytes such as 268435456, 256M');
    expect(() => parseBytes('--compile-memory', 'lots')).toThrow('got "lots"');
    expect(() => parseBytes('--memory', '0')).toThrow('--memory must be more than 0 bytes, got "0"');
    expect(() => parseBytes('--memory', '-5')).toThrow(OptionValueError);
  });
});

describe('parseMilliseconds', () => {
  it('reads a whole positive number of milliseconds', () => {
    expect(parseMilliseconds('--timeout', '5000')).toBe(5000);
  });

  it('refuses fractions, units, zero and negatives', () => {
    for (const bad of ['1.5', '3s', '0', '-1', '']) {
      expect(() => parseMilliseconds('--timeout', bad)).toThrow(`--timeout expects a whole number of milliseconds`);
    }
  });
});
