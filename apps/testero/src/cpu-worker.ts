// One CPU-load thread: trial-division factoring of a number, as the original did, for `share` of
// the time (counted in this thread's own CPU time, so that a busy machine does not inflate it)
// until `endAt`, the number is factored, or the main thread sets the stop flag.
// Self-contained (no imports of ours): it is started from source and from the bundle alike.
import { parentPort, workerData } from 'node:worker_threads';

export interface CpuWorkerData {
  numberToFactor: string;
  /** Fraction of one core, (0, 1]. */
  share: number;
  /** Wall-clock start and end, ms since the epoch. */
  startAt: number;
  endAt: number;
  /** Int32Array over it: [0] is 1 once stopped. */
  control: SharedArrayBuffer;
}

export interface CpuWorkerResult {
  reason: 'time' | 'factored' | 'stopped';
  factors: string[];
}

/** What the thread tells the main thread: that it runs (once it has read its data), then how it ended. */
export type CpuWorkerMessage = { type: 'started' } | ({ type: 'ended' } & CpuWorkerResult);

const PERIOD_MS = 100;
const { numberToFactor, share, startAt, endAt, control } = workerData as CpuWorkerData;
const flag = new Int32Array(control);
// The main thread counts the load as running only once every thread said so: a thread that dies
// before this line (a missing file in the bundle, a bad import) makes the load fail, not pass idle.
parentPort?.postMessage({ type: 'started' } satisfies CpuWorkerMessage);
const cpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

let rest = BigInt(numberToFactor);
let divisor = 2n;
const factors: string[] = [];
let reason: CpuWorkerResult['reason'] | undefined;

/** Tries the next `steps` divisors; true once the number is fully factored. */
function factorSteps(steps: number): boolean {
  for (let k = 0; k < steps; k++) {
    if (divisor * divisor > rest) {
      if (rest > 1n) factors.push(String(rest));
      rest = 1n;
      return true;
    }
    if (rest % divisor === 0n) {
      factors.push(String(divisor));
      rest /= divisor;
    } else {
      divisor += divisor === 2n ? 1n : 2n;
    }
  }
  return false;
}

// The budget is cumulative (share of all wall time since start, minus all CPU used so far), so an
// overshoot in one period is paid back in the next and the average stays on target. The thread's
// own start-up (creating the isolate, loading this file) counts too: its CPU clock starts at 0.
const startWall = performance.now() - (Date.now() - startAt);
const startCpu = 0;
while (reason === undefined) {
  const periodStart = performance.now();
  const periodEnd = periodStart + PERIOD_MS;
  const allowed = share * (periodEnd - startWall);
  while (reason === undefined && cpuMs() - startCpu < allowed && performance.now() < periodEnd) {
    if (factorSteps(300)) reason = 'factored';
    else if (Atomics.load(flag, 0) !== 0) reason = 'stopped';
  }
  if (reason === undefined && Date.now() >= endAt) reason = 'time';
  const sleepMs = Math.min(periodEnd - performance.now(), endAt - Date.now());
  // Atomics.wait sleeps precisely and wakes at once when the main thread notifies a stop.
  if (reason === undefined && sleepMs > 0) Atomics.wait(flag, 0, 0, sleepMs);
  if (reason === undefined && Atomics.load(flag, 0) !== 0) reason = 'stopped';
  if (reason === undefined && Date.now() >= endAt) reason = 'time';
}
parentPort?.postMessage({ type: 'ended', reason, factors } satisfies CpuWorkerMessage);
