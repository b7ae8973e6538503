// One CPU-load thread: trial-division factoring of a number, as the original did, for `share` of
// each 100 ms period (by this thread's own CPU time, so that a busy machine does not inflate it)
// until `endAt`, the number is factored, or the main thread sets the stop flag.
// Self-contained (no imports of ours): it is started from source and from the bundle alike.
import { parentPort, workerData } from 'node:worker_threads';

export interface CpuWorkerData {
  numberToFactor: string;
  /** Fraction of one core, (0, 1]. */
  share: number;
  /** Wall-clock end, ms since the epoch. */
  endAt: number;
  /** Int32Array over it: [0] is 1 once stopped. */
  control: SharedArrayBuffer;
}

export interface CpuWorkerResult {
  reason: 'time' | 'factored' | 'stopped';
  factors: string[];
}

const PERIOD_MS = 100;
const { numberToFactor, share, endAt, control } = workerData as CpuWorkerData;
const flag = new Int32Array(control);
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

while (reason === undefined) {
  const periodStart = performance.now();
  const cpuStart = cpuMs();
  const budget = share * PERIOD_MS;
  do {
    if (factorSteps(2000)) reason = 'factored';
    else if (Atomics.load(flag, 0) !== 0) reason = 'stopped';
  } while (reason === undefined && cpuMs() - cpuStart < budget && performance.now() - periodStart < PERIOD_MS);
  if (reason === undefined && Date.now() >= endAt) reason = 'time';
  const sleepMs = Math.min(PERIOD_MS - (performance.now() - periodStart), endAt - Date.now());
  // Atomics.wait sleeps precisely and wakes at once when the main thread notifies a stop.
  if (reason === undefined && sleepMs > 0) Atomics.wait(flag, 0, 0, sleepMs);
  if (reason === undefined && Atomics.load(flag, 0) !== 0) reason = 'stopped';
  if (reason === undefined && Date.now() >= endAt) reason = 'time';
}
parentPort?.postMessage({ reason, factors } satisfies CpuWorkerResult);
