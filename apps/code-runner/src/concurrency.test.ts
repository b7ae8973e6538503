import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';

describe('the pool under load (NUM_RUNNERS=2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '2', QUEUE_TIMEOUT_MS: '60000', MAX_QUEUE: '100' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("gives each of 50 simultaneous requests its own output (or a 503), never another request's", async () => {
    const source =
      'import sys, os\nname = sys.stdin.read()\nopen("mine.txt", "w").write(name)\nprint(name, sys.argv[1], sorted(os.listdir(".")))';
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
    let ok = 0;
    answers.forEach((res, i) => {
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        return;
      }
      expect(res.status).toBe(200);
      // The box held only this request's file and what it wrote: nothing of an earlier request survived.
      expect(res.body.run.stdout).toBe(`req-${i} arg-${i} ['main.py', 'mine.txt']\n`);
      ok++;
    });
    expect(ok).toBeGreaterThan(0);
    expect(h.runner.pool.busy).toBeLessThanOrEqual(2);
  });
});

describe('a full pool', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ NUM_RUNNERS: '1', QUEUE_TIMEOUT_MS: '300', MAX_QUEUE: '1' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 503 with Retry-After when the wait times out, and when the queue is full', async () => {
    const slow = h.post('/api/v2/execute', { language: 'bash', files: [{ content: 'sleep 2' }] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [waited, full] = await Promise.all([
      h.post('/api/v2/execute', { language: 'bash', files: [{ content: 'echo waited' }] }),
      // The queue holds one: this one is refused at once.
      new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
        h.post('/api/v1/run', { language: 'bash', source: 'echo full' }),
      ),
    ]);
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
