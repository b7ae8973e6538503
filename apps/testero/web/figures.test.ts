import { describe, expect, it } from 'vitest';
import {
  describeAnswer,
  formatBytes,
  formatMillicores,
  History,
  type Status,
  sampleOf,
  sizeParameter,
} from './figures.ts';

describe('the figures of the dashboard', () => {
  it('keeps only the last `capacity` samples, oldest first', () => {
    const history = new History(['held', 'limit'], 3);
    for (let t = 1; t <= 5; t++) history.push(t, { held: t * 10, limit: t === 5 ? null : 100 });
    expect(history.length).toBe(3);
    expect(history.columns()).toEqual([
      [3, 4, 5],
      [30, 40, 50],
      [100, 100, null],
    ]);
    expect(history.last()).toEqual({ held: 50, limit: null });
  });

  it('writes bytes in binary units and millicores with m; a figure the host does not give as —', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64.0 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatMillicores(449.6)).toBe('450 m');
    expect(formatMillicores(null)).toBe('—');
  });

  it('sends a size with a unit as bytes, and anything else as typed for the server to judge', () => {
    expect(sizeParameter('64Mi')).toBe('67108864');
    expect(sizeParameter(' 2 GiB ')).toBe('2147483648');
    expect(sizeParameter('1k')).toBe('1000');
    expect(sizeParameter('20Ti')).toBe(String(20n * 1024n ** 4n));
    expect(sizeParameter('80%')).toBe('80%');
    expect(sizeParameter('120%')).toBe('120%');
    expect(sizeParameter('1048576')).toBe('1048576');
    expect(sizeParameter('1.5Gi')).toBe('1.5Gi');
    expect(sizeParameter('lots')).toBe('lots');
  });

  it('puts accepted, busy, refused and unauthorized answers in words', () => {
    expect(describeAnswer(200, { message: 'CPU load stopped' })).toEqual({
      kind: 'accepted',
      text: 'CPU load stopped',
    });
    expect(describeAnswer(503, { error: 'Server busy, try again later' })).toEqual({
      kind: 'busy',
      text: 'Busy: Server busy, try again later (the previous request is still being carried out)',
    });
    expect(describeAnswer(400, { error: 'Bad request: `size` is over 100% (120%)' })).toEqual({
      kind: 'refused',
      text: 'Refused: Bad request: `size` is over 100% (120%)',
    });
    expect(describeAnswer(409, { error: 'Incorrect stop load request ID=1' }).text).toBe(
      'Refused: Incorrect stop load request ID=1',
    );
    expect(describeAnswer(401, { error: 'Unauthorized: the bearer token is wrong' })).toEqual({
      kind: 'unauthorized',
      text: "Refused: Unauthorized: the bearer token is wrong. Enter the server's token above.",
    });
    expect(describeAnswer(502, null)).toEqual({ kind: 'failed', text: 'Failed (HTTP 502): no answer' });
  });

  it('takes the points of each chart from one status (null where the host gives no figure)', () => {
    const status = {
      time: '2026-12-01T00:00:00.000Z',
      memory: {
        target: 4,
        held: 3,
        limit: 10,
        inProgress: false,
        ramp: null,
        lease: null,
        limitInForce: { bytes: 8, source: 'cgroup' },
        cgroup: { usage: 6, workingSet: 5, limit: 8, oomKills: 0 },
      },
      disk: { target: 2, held: 1, limit: 9, inProgress: false, ramp: null, lease: null, dataDir: null },
      cpu: {
        active: false,
        id: null,
        millicores: 0,
        maxMillicores: 2000,
        endsAt: null,
        lease: null,
        measured: { millicores: 12, processMillicores: 7, limitMillicores: null },
      },
    } satisfies Status;
    expect(sampleOf(status)).toEqual({
      memory: { target: 4, held: 3, workingSet: 5, limit: 8 },
      disk: { target: 2, held: 1, counted: null, limit: 9 },
      cpu: { asked: 0, measured: 12, process: 7, limit: null },
    });
  });
});
