import { InvalidSizeError, parseSize } from '@repo/chunks';

/** A query parameter that is wrong; the message says what was wrong and what is expected. */
export class BadParameterError extends Error {
  override name = 'BadParameterError';
}

/** A byte size, 0 to 2^64-1. */
export function readSize(text: string | undefined, name = 'size'): bigint {
  try {
    return parseSize(text, name);
  } catch (error) {
    if (error instanceof InvalidSizeError) throw new BadParameterError(error.message);
    throw error;
  }
}

/** A whole number within [min, max]; `what` names the unit for the message ("seconds"). */
export function readWholeNumber(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
  what: string,
): number {
  const expected = `expected a whole number of ${what} from ${min} to ${max}`;
  if (text === undefined) throw new BadParameterError(`\`${name}\` is missing; ${expected}`);
  const trimmed = text.trim();
  const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
  if (trimmed === '') throw new BadParameterError(`\`${name}\` is empty; ${expected}`);
  if (/^-\s*\d/.test(trimmed)) throw new BadParameterError(`\`${name}\` is negative (${shown}); ${expected}`);
  if (/^\+?\d*[.,]\d+$/.test(trimmed) || /^\+?\d+[eE][+-]?\d+$/.test(trimmed)) {
    throw new BadParameterError(`\`${name}\` is not a whole number (${shown}); ${expected}`);
  }
  if (!/^\+?\d+$/.test(trimmed)) throw new BadParameterError(`\`${name}\` is not a number (${shown}); ${expected}`);
  const value = BigInt(trimmed.replace(/^\+/, ''));
  if (value < BigInt(min) || value > BigInt(max)) {
    throw new BadParameterError(`\`${name}\` is out of range (${shown}); ${expected}`);
  }
  return Number(value);
}

/** A request id as returned by the server: a whole number of nanoseconds. */
export function readId(text: string | undefined, name = 'id'): bigint {
  const expected = 'expected the id returned by /api/cpu/load (a whole number)';
  if (text === undefined) throw new BadParameterError(`\`${name}\` is missing; ${expected}`);
  const trimmed = text.trim();
  if (trimmed === '') throw new BadParameterError(`\`${name}\` is empty; ${expected}`);
  if (!/^\d{1,30}$/.test(trimmed)) {
    const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
    throw new BadParameterError(`\`${name}\` is not a valid id (${shown}); ${expected}`);
  }
  return BigInt(trimmed);
}
