import { InvalidSizeError, MAX_SIZE, parseSize } from '@repo/chunks';

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

/** A `size`: bytes, or a share of the limit in force (`80%`, `12.5%`). */
export type SizeRequest = { kind: 'bytes'; bytes: bigint } | { kind: 'share'; text: string; ppm: bigint };

const SHARE_EXPECTED =
  'expected a share of the limit in force from 0% to 100% (e.g. 80% or 12.5%), or a whole number of bytes';

/** `size` as bytes or as a percentage of the limit; a value with `%` that is not 0-100 % says so. */
export function readSizeRequest(text: string | undefined, name = 'size'): SizeRequest {
  const trimmed = text?.trim() ?? '';
  if (!trimmed.endsWith('%')) return { kind: 'bytes', bytes: readSize(text, name) };
  const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
  const number = trimmed.slice(0, -1).trim();
  if (/^-\s*\d/.test(number)) throw new BadParameterError(`\`${name}\` is negative (${shown}); ${SHARE_EXPECTED}`);
  const match = /^\+?(\d{1,20})(?:\.(\d{1,4}))?$/.exec(number);
  if (!match) throw new BadParameterError(`\`${name}\` is not a valid percentage (${shown}); ${SHARE_EXPECTED}`);
  // Parts per million of the limit: 4 decimals of a percent are exact.
  const ppm = BigInt(match[1] ?? '0') * 10_000n + BigInt((match[2] ?? '').padEnd(4, '0'));
  if (ppm > 1_000_000n) throw new BadParameterError(`\`${name}\` is over 100% (${shown}); ${SHARE_EXPECTED}`);
  return { kind: 'share', text: `${number}%`, ppm };
}

/** The bytes a share stands for (rounded down). */
export const shareOf = (limit: bigint, ppm: bigint) => (limit * ppm) / 1_000_000n;

const UNITS: Record<string, bigint> = {
  '': 1n,
  k: 1000n,
  K: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
};
const RATE_EXPECTED =
  'expected bytes per second from 1: a whole number with an optional unit (K, M, G, T = 1000ⁿ; Ki, Mi, Gi, Ti = 1024ⁿ; a trailing B or /s is allowed), e.g. 10Mi or 10MiB/s';

/** A rate in bytes per second, with unit suffixes: `1048576`, `10Mi`, `10MiB/s`, `500K`. */
export function readRate(text: string | undefined, name = 'rate'): bigint {
  if (text === undefined) throw new BadParameterError(`\`${name}\` is missing; ${RATE_EXPECTED}`);
  const trimmed = text.trim();
  if (trimmed === '') throw new BadParameterError(`\`${name}\` is empty; ${RATE_EXPECTED}`);
  const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
  if (/^-\s*\d/.test(trimmed)) throw new BadParameterError(`\`${name}\` is negative (${shown}); ${RATE_EXPECTED}`);
  const match = /^\+?(\d{1,20})\s*(|k|K|M|G|T|Ki|Mi|Gi|Ti)(?:B)?(?:\/s)?$/.exec(trimmed);
  if (!match) throw new BadParameterError(`\`${name}\` is not a rate (${shown}); ${RATE_EXPECTED}`);
  const rate = BigInt(match[1] ?? '0') * (UNITS[match[2] ?? ''] ?? 1n);
  if (rate < 1n || rate > MAX_SIZE)
    throw new BadParameterError(`\`${name}\` is out of range (${shown}); ${RATE_EXPECTED}`);
  return rate;
}
