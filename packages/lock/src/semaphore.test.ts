import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AcquireTimeoutError, AlreadyReleasedError, QueueFullError } from './errors.ts';
import type { Releasable } from './handle.ts';
import { Semaphore } from './semaphore.ts';

describe('Semaphore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants up to N permits at once, then serves waiters first in, first out', async () => {
    const semaphore = new Semaphore({ permits: 2 });
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const order: string[] = [];
    const record = (name: string) => (permit: Releasable) => {
      order.push(name);
      return permit;
    };
    const c = semaphore.acquire().then(record('c'));
    const d = semaphore.acquire().then(record('d'));
    expect(semaphore.queueLength).toBe(2);
    b.release();
    (await c).release();
    a.release();
    (await d).release();
    expect(order).toEqual(['c', 'd']);
    expect(semaphore.inUse).toBe(0);
  });

  it('rejects at once with QueueFullError when the queue is full', async () => {
    const semaphore = new Semaphore({ permits: 1, maxQueue: 1 });
    const held = await semaphore.acquire();
    const waiting = semaphore.acquire();
    await expect(semaphore.acquire()).rejects.toBeInstanceOf(QueueFullError);
    await expect(semaphore.acquire()).rejects.toThrow('wait queue is full (1 waiting)');
    held.release();
    (await waiting).release();
  });

  it('rejects with AcquireTimeoutError after the wait time, and the timed-out waiter gets nothing', async () => {
    vi.useFakeTimers();
    const semaphore = new Semaphore({ permits: 1 });
    const held = await semaphore.acquire();
    const waiting = semaphore.acquire({ timeoutMs: 50 });
    const assertion = expect(waiting).rejects.toThrow(AcquireTimeoutError);
    await vi.advanceTimersByTimeAsync(50);
    await assertion;
    expect(semaphore.queueLength).toBe(0);
    held.release();
    expect(semaphore.available).toBe(1);
  });

  it('rejects an aborted waiter with the signal’s reason and leaks no permit', async () => {
    const semaphore = new Semaphore({ permits: 1 });
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire({ signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    held.release();
    expect(semaphore.inUse).toBe(0);
    expect(semaphore.queueLength).toBe(0);
    await expect(semaphore.acquire({ signal: controller.signal })).rejects.toThrow('client went away');
  });

  it('treats a second release as an error, not as an extra permit', async () => {
    const semaphore = new Semaphore({ permits: 1 });
    const permit = await semaphore.acquire();
    permit.release();
    expect(() => permit.release()).toThrow(AlreadyReleasedError);
    expect(semaphore.available).toBe(1);
  });

  it('releases a permit at the end of a `using` block', async () => {
    const semaphore = new Semaphore({ permits: 1 });
    {
      using _permit = await semaphore.acquire();
      expect(semaphore.available).toBe(0);
    }
    expect(semaphore.available).toBe(1);
  });

  it('checks its options and quotes the bad value', () => {
    expect(() => new Semaphore({ permits: 0 })).toThrow('Expected `permits` to be an integer >= 1, got `0` (number)');
    expect(() => new Semaphore({ permits: 1, maxQueue: -1 })).toThrow('`maxQueue`');
    expect(() => new Semaphore({ permits: 1 }).acquire({ timeoutMs: 1.5 })).toThrow('`timeoutMs`');
  });

  it('tryAcquire never jumps the queue', async () => {
    const semaphore = new Semaphore({ permits: 1 });
    const held = await semaphore.acquire();
    const waiting = semaphore.acquire();
    expect(semaphore.tryAcquire()).toBeUndefined();
    held.release();
    expect(semaphore.tryAcquire()).toBeUndefined();
    (await waiting).release();
    expect(semaphore.tryAcquire()).toBeDefined();
  });
});

type Op =
  | { kind: 'acquire'; timeoutMs: number | undefined; abortable: boolean }
  | { kind: 'release'; pick: number }
  | { kind: 'abort'; pick: number }
  | { kind: 'tick'; ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    timeoutMs: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    abortable: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20 }) }),
);

interface Caller {
  index: number;
  queued: boolean;
  outcome: 'waiting' | 'granted' | 'rejected';
  permit?: Releasable;
  controller: AbortController;
}

describe('Semaphore under random interleavings', () => {
  it('never exceeds N, serves in order, loses and duplicates no permit, and ends every waiter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        fc.array(opArbitrary, { maxLength: 60 }),
        async (permits, maxQueue, ops) => {
          vi.useFakeTimers();
          try {
            const semaphore = new Semaphore(maxQueue === undefined ? { permits } : { permits, maxQueue });
            const callers: Caller[] = [];
            const grantOrder: number[] = [];
            const settled: Promise<unknown>[] = [];
            const check = () => {
              const held = callers.filter((c) => c.outcome === 'granted' && !c.permit?.released).length;
              expect(semaphore.inUse).toBe(held);
              expect(semaphore.inUse).toBeLessThanOrEqual(permits);
              expect(semaphore.queueLength).toBe(callers.filter((c) => c.outcome === 'waiting').length);
            };

            for (const op of ops) {
              if (op.kind === 'acquire') {
                const caller: Caller = {
                  index: callers.length,
                  queued: semaphore.available === 0,
                  outcome: 'waiting',
                  controller: new AbortController(),
                };
                callers.push(caller);
                const options = {
                  ...(op.timeoutMs === undefined ? {} : { timeoutMs: op.timeoutMs }),
                  ...(op.abortable ? { signal: caller.controller.signal } : {}),
                };
                settled.push(
                  semaphore.acquire(options).then(
                    (permit) => {
                      caller.outcome = 'granted';
                      caller.permit = permit;
                      grantOrder.push(caller.index);
                    },
                    () => {
                      caller.outcome = 'rejected';
                    },
                  ),
                );
              } else if (op.kind === 'release') {
                const holders = callers.filter((c) => c.outcome === 'granted' && !c.permit?.released);
                holders[op.pick % Math.max(holders.length, 1)]?.permit?.release();
              } else if (op.kind === 'abort') {
                const waiting = callers.filter((c) => c.outcome === 'waiting');
                waiting[op.pick % Math.max(waiting.length, 1)]?.controller.abort(new Error('aborted'));
              } else {
                await vi.advanceTimersByTimeAsync(op.ms);
              }
              await vi.advanceTimersByTimeAsync(0);
              check();
            }

            // Drain: release everything as it is granted, and let every timer run out.
            for (let round = 0; round < callers.length + 2; round++) {
              for (const c of callers) if (c.outcome === 'granted' && !c.permit?.released) c.permit?.release();
              for (const c of callers)
                if (c.outcome === 'waiting' && c.controller.signal.aborted === false) c.controller.abort();
              await vi.advanceTimersByTimeAsync(100);
            }
            await Promise.all(settled);
            expect(callers.every((c) => c.outcome !== 'waiting')).toBe(true);
            expect(semaphore.inUse).toBe(0);
            expect(semaphore.available).toBe(permits);
            // Those that had to queue were granted in the order they queued.
            const queuedGrants = grantOrder.filter((i) => callers[i]?.queued);
            expect(queuedGrants).toEqual([...queuedGrants].sort((x, y) => x - y));
            expect(new Set(grantOrder).size).toBe(grantOrder.length);
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
