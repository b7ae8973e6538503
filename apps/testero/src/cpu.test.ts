import { createLogger } from '@repo/service';
import { describe, expect, it } from 'vitest';
import { CpuLoad, CpuLoadFailedError, coreShares } from './cpu.ts';

const logger = createLogger({ name: 't', level: 'silent' });
const numberToFactor = 493440589722494743501n;
/** A request id as the app makes them: the arrival time in ns, so the load ends `seconds` from now. */
const idNow = () => BigInt(Date.now()) * 1_000_000n;
/** A worker module given as source, for threads that fail in a known way. */
const workerFrom = (source: string) => new URL(`data:text/javascript,${encodeURIComponent(source)}`);
/** CPU time of this process (every thread), in ms. */
const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

describe('coreShares', () => {
  it('spreads millicores over whole cores, the remainder on the last', () => {
    expect(coreShares(250)).toEqual([0.25]);
    expect(coreShares(1000)).toEqual([1]);
    expect(coreShares(2500)).toEqual([1, 1, 0.5]);
  });
});

describe('CpuLoad', () => {
  it('runs in worker threads, is busy meanwhile, and stops at once', async () => {
    const cpu = new CpuLoad({ numberToFactor, logger });
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

  it('says when every thread runs, and the threads really use the CPU', async () => {
    const cpu = new CpuLoad({ numberToFactor, logger });
    const before = processCpuMs();
    const id = idNow();
    const state = cpu.load(id, 60, 1000);
    await expect(state?.started).resolves.toBeUndefined();
    // Waits for the work itself, however busy the machine is (the test's timeout bounds it).
    await expect.poll(() => processCpuMs() - before, { timeout: 50_000, interval: 100 }).toBeGreaterThan(500);
    expect(cpu.current?.id).toBe(id);
    expect(await cpu.stop(id)).toBe('stopped');
    expect(cpu.failure).toBeUndefined();
  });

  it.each([
    ['throws as it loads', workerFrom('throw new Error("broken at start")'), /died before it started: broken at start/],
    ['exits before it says it runs', workerFrom('process.exit(3)'), /died before it started: exit code 3/],
    [
      'is missing from the bundle',
      new URL('./no-such-cpu-worker.js', import.meta.url),
      /died before it started: .*no-such-cpu-worker/,
    ],
  ])('fails the load, and keeps why, when a thread %s', async (_, workerUrl, message) => {
    const cpu = new CpuLoad({ numberToFactor, logger, workerUrl });
    const id = idNow();
    const state = cpu.load(id, 60, 1500);
    await expect(state?.started).rejects.toThrow(CpuLoadFailedError);
    await expect(state?.started).rejects.toThrow(message);
    // The load ends by itself (its other thread is stopped): no load passes for running with no thread.
    await expect.poll(() => cpu.current, { timeout: 30_000 }).toBeUndefined();
    expect(cpu.failure).toMatchObject({ id, message: expect.stringMatching(message) });
    expect(cpu.lock.state).toBe('free');
    expect(await cpu.stop(id)).toBe('idle');
  });

  it('fails the load when a thread dies while it runs', async () => {
    const dying = workerFrom(
      'import { parentPort } from "node:worker_threads"; parentPort.postMessage({ type: "started" }); setTimeout(() => { throw new Error("died later"); }, 50);',
    );
    const cpu = new CpuLoad({ numberToFactor, logger, workerUrl: dying });
    const id = idNow();
    const state = cpu.load(id, 60, 1000);
    await expect(state?.started).resolves.toBeUndefined();
    await expect.poll(() => cpu.current, { timeout: 30_000 }).toBeUndefined();
    expect(cpu.failure?.message).toBe('CPU load thread 1 of 1 died while running: died later');
  });
});
