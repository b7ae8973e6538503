/** How many parts of each size make up a requested byte size. */
export interface PartPlan {
  /** The part sizes, smallest first, as given to `plan`. */
  readonly sizes: readonly bigint[];
  /** How many parts of `sizes[i]`. */
  readonly counts: readonly bigint[];
  /** Sum of `sizes[i] * counts[i]`: at least the request, at most one part over it. */
  readonly total: bigint;
}

/** Per part size, how many parts to add (positive) or remove (negative) to go from one plan to another. */
export interface PlanDiff {
  readonly sizes: readonly bigint[];
  readonly deltas: readonly bigint[];
}

function checkSizes(sizes: readonly bigint[]): void {
  if (sizes.length === 0) throw new RangeError('Expected at least one part size, got none');
  sizes.forEach((size, i) => {
    if (size <= 0n) throw new RangeError(`Expected part sizes > 0, got \`${size}\` at index ${i}`);
    const previous = sizes[i - 1];
    if (previous !== undefined && size <= previous) {
      throw new RangeError(`Expected part sizes in increasing order, got \`${previous}\` then \`${size}\``);
    }
  });
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * Splits `size` into parts, the original testero algorithm (spec "Splitting a size into parts"):
 * at most `maxPerSize` parts of each size from the smallest up, the largest size takes the rest,
 * and a remainder is covered by the first size with `remain <= 3 * size`.
 * Unlike the original it keeps a last largest part that fits exactly (`>=`, not `>`).
 */
export function plan(size: bigint, partSizes: readonly bigint[], maxPerSize: bigint | number): PartPlan {
  if (size < 0n) throw new RangeError(`Expected a size >= 0, got \`${size}\``);
  const limit = BigInt(maxPerSize);
  if (limit < 0n) throw new RangeError(`Expected \`maxPerSize\` >= 0, got \`${limit}\``);
  checkSizes(partSizes);

  const counts = partSizes.map(() => 0n);
  const last = partSizes.length - 1;
  const largest = partSizes[last] as bigint;
  let rest = size;
  let remain = 0n;
  partSizes.forEach((partSize, i) => {
    const n = rest / partSize;
    remain = rest % partSize;
    const take = n > limit ? limit : n;
    counts[i] = take;
    rest -= take * partSize;
  });
  if (rest >= largest) {
    counts[last] = (counts[last] as bigint) + rest / largest;
    remain = rest % largest;
  }
  if (remain > 0n) {
    const i = partSizes.findIndex((partSize) => remain <= 3n * partSize);
    // The last size always qualifies, since remain < largest here.
    const at = i === -1 ? last : i;
    counts[at] = (counts[at] as bigint) + ceilDiv(remain, partSizes[at] as bigint);
  }
  const total = counts.reduce((sum, count, i) => sum + count * (partSizes[i] as bigint), 0n);
  return { sizes: [...partSizes], counts, total };
}

/** An empty plan over the given part sizes. */
export function emptyPlan(partSizes: readonly bigint[]): PartPlan {
  checkSizes(partSizes);
  return { sizes: [...partSizes], counts: partSizes.map(() => 0n), total: 0n };
}

/** How many parts of each size to add or remove to turn `from` into `to`. Both must use the same sizes. */
export function diff(from: PartPlan, to: PartPlan): PlanDiff {
  const same = from.sizes.length === to.sizes.length && from.sizes.every((s, i) => s === to.sizes[i]);
  if (!same) throw new RangeError('Cannot diff plans over different part sizes');
  return { sizes: [...to.sizes], deltas: to.counts.map((count, i) => count - (from.counts[i] as bigint)) };
}

/** Applies a diff to a plan: `apply(a, diff(a, b))` equals `b`. */
export function apply(from: PartPlan, change: PlanDiff): PartPlan {
  const counts = from.counts.map((count, i) => count + (change.deltas[i] ?? 0n));
  if (counts.some((count) => count < 0n)) throw new RangeError('Diff removes more parts than the plan has');
  const total = counts.reduce((sum, count, i) => sum + count * (from.sizes[i] as bigint), 0n);
  return { sizes: [...from.sizes], counts, total };
}
