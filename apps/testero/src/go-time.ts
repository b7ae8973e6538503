import { readFileSync } from 'node:fs';

/** The zone abbreviations (e.g. CET, CEST) that the tz database gives each UTC offset, by offset in seconds. */
type Abbreviations = Map<number, string>;

// TZif (RFC 8536): header, then v1 data with 4-byte times; v2+ repeat the data with 8-byte times.
// Only the local-time types are needed: their offsets and abbreviations.
function parseTzif(data: Buffer): Abbreviations {
  const abbreviations: Abbreviations = new Map();
  if (data.subarray(0, 4).toString('latin1') !== 'TZif') return abbreviations;
  const read = (at: number) => {
    const counts = [0, 1, 2, 3, 4, 5].map((i) => data.readUInt32BE(at + 20 + i * 4));
    const [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt };
  };
  let at = 0;
  let timeSize = 4;
  let h = read(0);
  if (data[4] !== 0) {
    at = 44 + h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt;
    timeSize = 8;
    h = read(at);
  }
  const types = at + 44 + h.timecnt * (timeSize + 1);
  const chars = types + h.typecnt * 6;
  for (let i = 0; i < h.typecnt; i++) {
    const utoff = data.readInt32BE(types + i * 6);
    const index = data[types + i * 6 + 5] ?? 0;
    const end = data.indexOf(0, chars + index);
    // Later types win: they are the names in use now rather than historic ones (LMT).
    abbreviations.set(utoff, data.toString('latin1', chars + index, end));
  }
  return abbreviations;
}

function loadLocalZone(): Abbreviations {
  // As Go does: $TZ names a zone file ("" = UTC), otherwise /etc/localtime, otherwise UTC.
  const tz = process.env.TZ;
  let file = '/etc/localtime';
  if (tz !== undefined) {
    if (tz === '' || tz === 'UTC') return new Map([[0, 'UTC']]);
    const name = tz.startsWith(':') ? tz.slice(1) : tz;
    file = name.startsWith('/') ? name : `/usr/share/zoneinfo/${name}`;
  }
  try {
    return parseTzif(readFileSync(file));
  } catch {
    return new Map([[0, 'UTC']]);
  }
}

let zone: Abbreviations | undefined;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Formats a time as Go's `time.Time.String()` does for whole seconds in the local zone, which is what
 * the original printed: `2021-04-05 20:03:13 +0200 CEST`.
 */
export function formatGoTime(date: Date): string {
  zone ??= loadLocalZone();
  const offsetSeconds = -date.getTimezoneOffset() * 60;
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const numeric = `${sign}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}`;
  // Go prints "+0200 +02" when the zone has no abbreviation for the offset.
  const name = zone.get(offsetSeconds) ?? (offsetSeconds === 0 ? 'UTC' : numeric.slice(0, abs % 3600 === 0 ? 3 : 5));
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${day} ${time} ${numeric} ${name}`;
}
