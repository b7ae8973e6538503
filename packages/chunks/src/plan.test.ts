import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISK_MAX_PER_SIZE, DISK_PART_SIZES, MEMORY_MAX_PER_SIZE, MEMORY_PART_SIZES } from './index.ts';
import { apply, diff, emptyPlan, plan } from './plan.ts';
import { MAX_SIZE } from './size.ts';

const memory = (size: bigint) => plan(size, MEMORY_PART_SIZES, MEMORY_MAX_PER_SIZE);
const disk = (size: bigint) => plan(size, DISK_PART_SIZES, DISK_MAX_PER_SIZE);

/** The bytes left after the whole parts (an oracle for the remainder step, written from the spec). */
function remainderOf(size: bigint, sizes: readonly bigint[], limit: bigint): bigint {
  let rest = size;
  for (const s of sizes) rest -= (rest / s > limit ? limit : rest / s) * s;
  const largest = sizes[sizes.length - 1] as bigint;
  return rest >= largest ? rest % largest : rest;
}

describe('plan', () => {
  it('gives the spec example: memory 100000000 → [20, 23, 17, 0, 0], 100663296 bytes', () => {
    const result = memory(100000000n);
    expect(result.counts).toEqual([20n, 23n, 17n, 0n, 0n]);
    expect(result.total).toBe(100663296n);
  });

  it('gives the manual’s disk example: 2333111445 bytes as in the original', () => {
    // From the original manual's getdef output for a 2.3 GB request.
    const result = disk(2333111445n);
    expect(result.counts).toEqual([25n, 25n, 27n, 25n, 9n]);
    expect(result.total).toBe(2338848768n);
  });

  it('keeps the last largest part when exactly one is left over (the original dropped it)', () => {
    const size = 20n * (262144n + 1048576n + 4194304n + 16777216n + 67108864n) + 67108864n;
    const result = memory(size);
    expect(result.counts).toEqual([20n, 20n, 20n, 20n, 21n]);
    expect(result.total).toBe(size);
  });

  it('plans zero as no parts, and a byte as one smallest part', () => {
    expect(memory(0n).counts).toEqual([0n, 0n, 0n, 0n, 0n]);
    expect(memory(0n).total).toBe(0n);
    expect(memory(1n).counts).toEqual([1n, 0n, 0n, 0n, 0n]);
  });

  it('is exact at 2^64-1', () => {
    const result = memory(MAX_SIZE);
    expect(result.total).toBeGreaterThanOrEqual(MAX_SIZE);
    expect(result.total - MAX_SIZE).toBeLessThan(67108864n);
    expect(result.counts.slice(0, 3)).toEqual([20n, 20n, 20n]);
    expect(result.counts[4]).toBeGreaterThan(2n ** 37n);
  });

  it('checks its inputs', () => {
    expect(() => plan(-1n, MEMORY_PART_SIZES, 20)).toThrow('Expected a size >= 0, got `-1`');
    expect(() => plan(1n, [2n, 1n], 20)).toThrow('increasing order');
    expect(() => plan(1n, [], 20)).toThrow('at least one part size');
  });

  const anySize = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 34n }), fc.bigInt({ min: 0n, max: MAX_SIZE }));

  it('never totals less than the request, and overshoots by less than one part of the size that took the remainder', () => {
    fc.assert(
      fc.property(anySize, fc.boolean(), (size, isDisk) => {
        const [sizes, limit] = isDisk ? [DISK_PART_SIZES, DISK_MAX_PER_SIZE] : [MEMORY_PART_SIZES, MEMORY_MAX_PER_SIZE];
        const result = plan(size, sizes, limit);
        expect(result.total).toBeGreaterThanOrEqual(size);
        const over = result.total - size;
        const remain = remainderOf(size, sizes, limit);
        if (remain === 0n) {
          expect(over).toBe(0n);
        } else {
          // The remainder goes to the first size with remain <= 3 * size.
          const took = sizes.find((s) => remain <= 3n * s) as bigint;
          expect(over).toBeLessThan(took);
        }
      }),
    );
  });

  it('fills the smaller sizes to their limit before the largest grows', () => {
    fc.assert(
      fc.property(anySize, (size) => {
        const result = memory(size);
        if ((result.counts[4] as bigint) > 20n) {
          expect(result.counts.slice(0, 4).every((c) => c >= 20n)).toBe(true);
        }
      }),
    );
  });
});

describe('diff', () => {
  it('says how many parts to add or remove per size', () => {
    const change = diff(memory(100000000n), memory(0n));
    expect(change.deltas).toEqual([-20n, -23n, -17n, 0n, 0n]);
  });

  it('applied to one plan gives the other', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_SIZE }), fc.bigInt({ min: 0n, max: MAX_SIZE }), (a, b) => {
        const from = memory(a);
        const to = memory(b);
        expect(apply(from, diff(from, to))).toEqual(to);
        expect(apply(emptyPlan(MEMORY_PART_SIZES), diff(emptyPlan(MEMORY_PART_SIZES), to))).toEqual(to);
      }),
    );
  });

  it('refuses plans over different sizes', () => {
    expect(() => diff(memory(1n), disk(1n))).toThrow('different part sizes');
  });
});
