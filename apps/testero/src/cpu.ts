import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HandoffLock } from '@repo/lock';
import type { Logger } from '@repo/service';
import type { CpuWorkerData, CpuWorkerResult } from './cpu-worker.ts';

// From source the worker is cpu-worker.ts beside this file; in the bundle, dist/cpu-worker.js beside dist/main.js.
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './cpu-worker.ts' : './cpu-worker.js', import.meta.url);

export interface CpuLoadState {
  id: bigint;
  sentAt: Date;
  seconds: number;
  endsAt: Date;
  millicores: number;
}

export interface CpuLoadOptions {
  numberToFactor: bigint;
  logger: Logger;
  /** The most millicores one request may ask for; default all cores. */
  maxMillicores?: number;
}

export type StopOutcome = 'stopped' | 'wrong-id' | 'idle';

interface Running extends CpuLoadState {
  control: Int32Array;
  done: Promise<void>;
}

/** Splits M millicores over whole cores: 2500 → [1, 1, 0.5]. */
export function coreShares(millicores: number): number[] {
  const shares: number[] = [];
  for (let left = millicores; left > 0; left -= 1000) shares.push(Math.min(1000, left) / 1000);
  return shares;
}

/**
 * CPU load in worker threads, so the server keeps answering. Same lock hand-off as the part groups:
 * `load` takes the lock and hands it to the task by id; the task claims it and releases it when the
 * last worker ends.
 */
export class CpuLoad {
  readonly lock = new HandoffLock();
  readonly numberToFactor: bigint;
  readonly maxMillicores: number;
  readonly #logger: Logger;
  #running: Running | undefined;
  #closing = false;

  constructor(options: CpuLoadOptions) {
    this.numberToFactor = options.numberToFactor;
    this.maxMillicores = options.maxMillicores ?? availableParallelism() * 1000;
    this.#logger = options.logger;
  }

  /** The load being carried out, if any. */
  get current(): CpuLoadState | undefined {
    return this.#running;
  }

  /** Starts a load; `undefined` (busy) while the previous one runs. */
  load(id: bigint, seconds: number, millicores: number): CpuLoadState | undefined {
    if (this.#closing) return undefined;
    const handle = this.lock.tryAcquire();
    if (!handle) return undefined;
    const sentAt = new Date(Number(id / 1_000_000n));
    const state: CpuLoadState = {
      id,
      sentAt,
      seconds,
      endsAt: new Date(sentAt.getTime() + seconds * 1000),
      millicores,
    };
    handle.handOff(id);
    this.#run(state);
    return state;
  }

  #run(state: CpuLoadState): void {
    const handle = this.lock.claim(state.id);
    const control = new Int32Array(new SharedArrayBuffer(4));
    const log = this.#logger.child({ id: String(state.id) });
    const workers = coreShares(state.millicores).map((share) => {
      const workerData: CpuWorkerData = {
        numberToFactor: String(this.numberToFactor),
        share,
        startAt: Date.now(),
        endAt: state.endsAt.getTime(),
        control: control.buffer as SharedArrayBuffer,
      };
      return new Promise<CpuWorkerResult | undefined>((resolve) => {
        const worker = new Worker(workerUrl, { workerData, name: 'testero-cpu-load' });
        let result: CpuWorkerResult | undefined;
        worker.once('message', (message: CpuWorkerResult) => {
          result = message;
        });
        worker.once('error', (error) => log.error({ err: error }, 'cpu load worker failed'));
        worker.once('exit', () => resolve(result));
      });
    });
    log.info({ seconds: state.seconds, millicores: state.millicores, workers: workers.length }, 'cpu load started');
    const done = Promise.all(workers).then((results) => {
      const first = results.find((r) => r !== undefined);
      log.info({ reason: first?.reason, factors: first?.factors }, 'cpu load ended');
      this.#running = undefined;
      handle.release();
    });
    this.#running = { ...state, control, done };
  }

  /** Stops the load with this id and waits until its threads have ended. */
  async stop(id: bigint): Promise<StopOutcome> {
    const running = this.#running;
    if (!running) return 'idle';
    if (running.id !== id) return 'wrong-id';
    Atomics.store(running.control, 0, 1);
    Atomics.notify(running.control, 0);
    await running.done;
    return 'stopped';
  }

  async close(): Promise<void> {
    this.#closing = true;
    const running = this.#running;
    if (running) await this.stop(running.id);
  }
}
