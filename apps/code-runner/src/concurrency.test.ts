import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { requireLanguage } from './testing.ts';

describe('the pool under load (NUM_RUNNERS=2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '2', QUEUE_TIMEOUT_MS: '60000', MAX_QUEUE: '100' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("gives each of 50 simultaneous requests its own output (or a 503), never another request's, at most 2 at a time", async (ctx) => {
    requireLanguage(ctx, h.runner, 'python');
    // Each program stamps when it starts and ends on the host's monotonic clock (no time namespace in a
    // box), and lives at least 50 ms: how many ran at once is then read from the programs themselves.
    const source =
      'import sys, os, time\nstart = time.monotonic_ns()\nname = sys.stdin.read()\nopen("mine.txt", "w").write(name)\nprint(name, sys.argv[1], sorted(os.listdir(".")))\ntime.sleep(0.05)\nprint(start, time.monotonic_ns())';
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.post('/api/v2/execute', {
          language: 'python',
          files: [{ content: source }],
          stdin: `req-${i}`,
          args: [`arg-${i}`],
        }),
      ),
    );
    const spans: Array<[bigint, bigint]> = [];
    answers.forEach((res, i) => {
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        return;
      }
      expect(res.status).toBe(200);
      const [own, stamps] = String(res.body.run.stdout).split('\n');
      // The box held only this request's file and what it wrote: nothing of an earlier request survived.
      expect(own).toBe(`req-${i} arg-${i} ['main.py', 'mine.txt']`);
      const [start, end] = (stamps ?? '').split(' ').map(BigInt) as [bigint, bigint];
      expect(end).toBeGreaterThan(start);
      spans.push([start, end]);
    });
    expect(spans.length).toBeGreaterThan(0);
    const peak = peakOverlap(spans);
    console.info(`[code-runner test] ${spans.length} programs ran, at most ${peak} at a time`);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(2);
  });
});

/** The most intervals open at one instant (an end at the same instant as a start does not overlap it). */
function peakOverlap(spans: ReadonlyArray<[bigint, bigint]>): number {
  const edges = spans.flatMap(
    ([start, end]): Array<[bigint, number]> => [
      [start, 1],
      [end, -1],
    ],
  );
  edges.sort(([a, da], [b, db]) => (a < b ? -1 : a > b ? 1 : da - db));
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    open += delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

describe('a full pool', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '1', QUEUE_TIMEOUT_MS: '300', MAX_QUEUE: '1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 with Retry-After when the wait times out, and when the queue is full', async (ctx) => {
    requireLanguage(ctx, h.runner, 'bash');
    const slow = h.post('/api/v2/execute', { language: 'bash', files: [{ content: 'sleep 2' }] });
    await expect.poll(() => h.runner.pool.busy).toBe(1);
    const waiting = h.post('/api/v2/execute', { language: 'bash', files: [{ content: 'echo waited' }] });
    await expect.poll(() => h.runner.pool.queued).toBe(1);
    // The queue holds one: this one is refused at once.
    const full = await h.post('/api/v1/run', { language: 'bash', source: 'echo full' });
    const waited = await waiting;
    expect(waited.status).toBe(503);
    expect(waited.headers.get('retry-after')).toBe('1');
    expect(waited.body).toEqual({ message: 'no box became free within 300 ms' });
    expect(full.status).toBe(503);
    expect(full.body).toEqual({ error: 'all 1 boxes are busy and 1 requests are waiting' });
    expect((await slow).status).toBe(200);
    // The box came back: the next request runs.
    const after = await h.post('/api/v2/execute', { language: 'bash', files: [{ content: 'echo again' }] });
    expect(after.body.run.stdout).toBe('again\n');
  });
});
