/** A bad option value; the message says what was given and what is expected. */
export class OptionValueError extends Error {
  override name = 'OptionValueError';
}

const byteUnits: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/**
 * Bytes from `268435456`, `256M`, `256MiB`, `1.5G`, `512k` (K/M/G are binary like `ulimit` and
 * Kubernetes' Ki/Mi/Gi; KB/MB/GB are decimal). `-1` stands for the server maximum.
 */
export function parseBytes(option: string, value: string): number {
  const text = value.trim();
  if (text === '-1') return -1;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const factor = match ? byteUnits[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new OptionValueError(
      `${option} expects a size in bytes such as 268435456, 256M, 256MiB, 1G or -1 (server maximum), got "${value}"`,
    );
  }
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes <= 0) throw new OptionValueError(`${option} must be more than 0 bytes, got "${value}"`);
  return bytes;
}

/** A positive whole number of milliseconds. */
export function parseMilliseconds(option: string, value: string): number {
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    throw new OptionValueError(
      `${option} expects a whole number of milliseconds above 0, such as 5000, got "${value}"`,
    );
  }
  return Number(text);
}
