/** Bytes from a fixed xorshift generator: cheap, not compressible, the same in every run. */
export function patternBytes(length: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  return bytes;
}
