import { createLogger } from '@repo/service';
import { describe, expect, it } from 'vitest';
import { CpuLoad, coreShares } from './cpu.ts';

describe('coreShares', () => {
  it('spreads millicores over whole cores, the remainder on the last', () => {
    expect(coreShares(250)).toEqual([0.25]);
    expect(coreShares(1000)).toEqual([1]);
    expect(coreShares(2500)).toEqual([1, 1, 0.5]);
  });
});

describe('CpuLoad', () => {
  it('runs in worker threads, is busy meanwhile, and stops at once', async () => {
    const cpu = new CpuLoad({
      numberToFactor: 493440589722494743501n,
      logger: createLogger({ name: 't', level: 'silent' }),
    });
    const id = 1_700_000_000_000_000_000n;
    const state = cpu.load(id, 60, 1500);
    expect(state?.endsAt.getTime()).toBe(1_700_000_060_000);
    expect(cpu.load(id + 1n, 1, 1000)).toBeUndefined();
    expect(await cpu.stop(id + 1n)).toBe('wrong-id');
    expect(await cpu.stop(id)).toBe('stopped');
    expect(cpu.current).toBeUndefined();
    expect(cpu.lock.state).toBe('free');
    expect(await cpu.stop(id)).toBe('idle');
  });
});
