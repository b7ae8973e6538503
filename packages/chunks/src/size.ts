/** The largest size accepted: 2^64-1, the range of the original's unsigned 64-bit sizes. */
export const MAX_SIZE = 2n ** 64n - 1n;

/** A size that is not a whole number of bytes from 0 to 2^64-1. The message says what was wrong. */
export class InvalidSizeError extends Error {
  override name = 'InvalidSizeError';
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`${problem}; expected a whole number of bytes from 0 to ${MAX_SIZE}`);
    this.input = input;
  }
}

const display = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** Parses a size in bytes written as plain decimal digits. */
export function parseSize(text: string | null | undefined, name = 'size'): bigint {
  if (text === undefined || text === null) throw new InvalidSizeError('', `\`${name}\` is missing`);
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidSizeError(text, `\`${name}\` is empty`);
  const shown = display(trimmed);
  if (/^-\s*\d/.test(trimmed)) throw new InvalidSizeError(text, `\`${name}\` is negative (${shown})`);
  if (/^[+]?\d*[.,]\d+$/.test(trimmed) || /^[+]?\d+[eE][+-]?\d+$/.test(trimmed)) {
    throw new InvalidSizeError(text, `\`${name}\` is not a whole number (${shown})`);
  }
  if (!/^[+]?\d+$/.test(trimmed)) throw new InvalidSizeError(text, `\`${name}\` is not a number (${shown})`);
  const value = BigInt(trimmed.replace(/^\+/, ''));
  if (value > MAX_SIZE) throw new InvalidSizeError(text, `\`${name}\` is too large (${shown})`);
  return value;
}
