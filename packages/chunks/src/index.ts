export { apply, diff, emptyPlan, type PartPlan, type PlanDiff, plan } from './plan.ts';
export { InvalidSizeError, MAX_SIZE, parseSize } from './size.ts';

/** testero's memory part sizes (256 KiB to 64 MiB), at most 20 of each before the largest takes the rest. */
export const MEMORY_PART_SIZES: readonly bigint[] = [262144n, 1048576n, 4194304n, 16777216n, 67108864n];
export const MEMORY_MAX_PER_SIZE = 20n;
/** testero's disk file sizes (512 KiB to 128 MiB), at most 25 of each. */
export const DISK_PART_SIZES: readonly bigint[] = [524288n, 2097152n, 8388608n, 33554432n, 134217728n];
export const DISK_MAX_PER_SIZE = 25n;
