import { describe, expect, it } from 'vitest';
import { killUntilGone } from './procs.ts';

// The kill loop with fake lists: no process is started or signalled.

/** A list that returns each of `rounds` in turn, then its last one forever. */
function listing(rounds: number[][]): { list: () => number[]; reads: () => number } {
  let reads = 0;
  return { list: () => rounds[Math.min(reads++, rounds.length - 1)] as number[], reads: () => reads };
}

describe('killUntilGone', () => {
  it('kills what each listing shows until the list is empty', async () => {
    const { list, reads } = listing([[10, 11], [12], []]);
    const killed: number[][] = [];
    expect(await killUntilGone(list, { kill: (pids) => killed.push(pids) })).toBe(true);
    expect(killed).toEqual([[10, 11], [12]]);
    expect(reads()).toBe(3);
  });

  it('kills nothing when nothing is there', async () => {
    let kills = 0;
    expect(await killUntilGone(() => [], { kill: () => kills++ })).toBe(true);
    expect(kills).toBe(0);
  });

  it('takes an async list (a /proc scan)', async () => {
    const { list } = listing([[5], []]);
    const killed: number[][] = [];
    expect(await killUntilGone(async () => list(), { kill: (pids) => killed.push(pids) })).toBe(true);
    expect(killed).toEqual([[5]]);
  });

  it('gives up at the deadline, saying whether the last kill emptied the list', async () => {
    let kills = 0;
    const started = Date.now();
    expect(await killUntilGone(() => [7], { kill: () => kills++, deadlineMs: 30 })).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(Date.now() - started).toBeLessThan(1000);
    // Back-off 1, 2, 4, 8, 16 ms...: a handful of rounds, not a busy loop.
    expect(kills).toBeGreaterThan(2);
    expect(kills).toBeLessThan(15);

    const { list } = listing([[7], []]);
    expect(await killUntilGone(list, { kill: () => {}, deadlineMs: -1 })).toBe(true);
  });
});
