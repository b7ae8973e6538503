// Wall-clock nanoseconds from a monotonic clock: Date.now() has only millisecond resolution, so the
// offset between the two clocks is taken once and hrtime supplies the nanoseconds.
const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
let last = 0n;

/** A nanosecond Unix timestamp for "now", strictly greater than every one returned before. */
export function nextRequestId(): bigint {
  let id = offset + process.hrtime.bigint();
  if (id <= last) id = last + 1n;
  last = id;
  return id;
}
