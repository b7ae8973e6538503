import { describe, expect, it } from 'vitest';

// Node picks up a changed TZ at once; the zone file is read on first use.
process.env.TZ = 'Europe/Madrid';
const { formatGoTime } = await import('./go-time.ts');

describe('formatGoTime', () => {
  it('prints the time as Go’s time.String() does, with the tz database abbreviation', () => {
    expect(formatGoTime(new Date('2021-04-05T18:03:13.639Z'))).toBe('2021-04-05 20:03:13 +0200 CEST');
    expect(formatGoTime(new Date('2021-01-05T18:03:13Z'))).toBe('2021-01-05 19:03:13 +0100 CET');
  });
});
