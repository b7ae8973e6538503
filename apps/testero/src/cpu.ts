import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HandoffLock } from '@repo/lock';
import type { Logger } from '@repo/service';
import type { CpuWorkerData, CpuWorkerMessage, CpuWorkerResult } from './cpu-worker.ts';
import { Lease } from './lease.ts';

// From source the worker is cpu-worker.ts beside this file; in the bundle, dist/cpu-worker.js beside dist/main.js.
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './cpu-worker.ts' : './cpu-worker.js', import.meta.url);

export interface CpuLoadState {
  id: bigint;
  sentAt: Date;
  seconds: number;
  endsAt: Date;
  millicores: number;
  /** With `ttl`: the load is stopped when the lease ends (if `time` has not ended it before). */
  lease?: Lease | undefined;
  /** Resolves once every thread of the load runs; rejects with CpuLoadFailedError if one died first. */
  started: Promise<void>;
}

/** A load whose thread died before the load ended (it stops its other threads and ends at once). */
export interface CpuLoadFailure {
  id: bigint;
  at: Date;
  message: string;
}

/** A CPU-load thread died (at start: a missing or broken worker file) or exited without its result. */
export class CpuLoadFailedError extends Error {
  override name = 'CpuLoadFailedError';
  readonly id: bigint;
  constructor(id: bigint, message: string, options?: ErrorOptions) {
    super(message, options);
    this.id = id;
  }
}

export interface CpuLoadOptions {
  numberToFactor: bigint;
  logger: Logger;
  /** The most millicores one request may ask for; default all cores. */
  maxMillicores?: number;
  /** The thread's module; default cpu-worker beside this file (tests give one that fails). */
  workerUrl?: URL;
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
  readonly #workerUrl: URL;
  #running: Running | undefined;
  #failure: CpuLoadFailure | undefined;
  #closing = false;

  constructor(options: CpuLoadOptions) {
    this.numberToFactor = options.numberToFactor;
    this.maxMillicores = options.maxMillicores ?? availableParallelism() * 1000;
    this.#logger = options.logger;
    this.#workerUrl = options.workerUrl ?? workerUrl;
  }

  /** The load being carried out, if any. */
  get current(): CpuLoadState | undefined {
    return this.#running;
  }

  /** The last load that failed (a thread died), until the next load starts. */
  get failure(): CpuLoadFailure | undefined {
    return this.#failure;
  }

  /** Starts a load; `undefined` (busy) while the previous one runs. `ttlSeconds`: a lease that stops it. */
  load(id: bigint, seconds: number, millicores: number, ttlSeconds?: number): CpuLoadState | undefined {
    if (this.#closing) return undefined;
    const handle = this.lock.tryAcquire();
    if (!handle) return undefined;
    const sentAt = new Date(Number(id / 1_000_000n));
    handle.handOff(id);
    const lease =
      ttlSeconds === undefined
        ? undefined
        : new Lease(id, ttlSeconds, sentAt, () => {
            this.#logger.info({ id: String(id) }, 'cpu load lease ended, stopping');
            void this.stop(id);
          });
    const endsAt = new Date(sentAt.getTime() + seconds * 1000);
    return this.#run({ id, sentAt, seconds, endsAt, millicores, lease });
  }

  #run(request: Omit<CpuLoadState, 'started'>): CpuLoadState {
    const handle = this.lock.claim(request.id);
    this.#failure = undefined;
    const control = new Int32Array(new SharedArrayBuffer(4));
    const log = this.#logger.child({ id: String(request.id) });
    const shares = coreShares(request.millicores);
    let failed: CpuLoadFailedError | undefined;
    let running = 0;
    let markStarted!: () => void;
    let markFailed!: (error: CpuLoadFailedError) => void;
    const started = new Promise<void>((resolve, reject) => {
      markStarted = resolve;
      markFailed = reject;
    });
    // Nobody has to wait for the start: a failure is also logged and kept in `failure`.
    started.catch(() => undefined);
    const fail = (error: CpuLoadFailedError) => {
      if (failed) return;
      failed = error;
      markFailed(error);
      // A load short of a thread would pass for the whole load: the others stop too.
      Atomics.store(control, 0, 1);
      Atomics.notify(control, 0);
    };
    const workers = shares.map((share, index) => {
      const workerData: CpuWorkerData = {
        numberToFactor: String(this.numberToFactor),
        share,
        startAt: Date.now(),
        endAt: request.endsAt.getTime(),
        control: control.buffer as SharedArrayBuffer,
      };
      return new Promise<CpuWorkerResult | undefined>((resolve) => {
        const worker = new Worker(this.#workerUrl, { workerData, name: 'testero-cpu-load' });
        let threadStarted = false;
        let result: CpuWorkerResult | undefined;
        let error: Error | undefined;
        worker.on('message', (message: CpuWorkerMessage) => {
          if (message.type === 'ended') {
            result = { reason: message.reason, factors: message.factors };
            return;
          }
          threadStarted = true;
          if (++running === shares.length) markStarted();
        });
        worker.once('error', (cause) => {
          error = cause;
        });
        worker.once('exit', (code) => {
          if (result === undefined) {
            const when = threadStarted ? 'while running' : 'before it started';
            const why = error ? error.message : `exit code ${code}`;
            const thread = `CPU load thread ${index + 1} of ${shares.length}`;
            fail(new CpuLoadFailedError(request.id, `${thread} died ${when}: ${why}`, { cause: error }));
          }
          resolve(result);
        });
      });
    });
    log.info({ seconds: request.seconds, millicores: request.millicores, workers: workers.length }, 'cpu load started');
    const done = Promise.all(workers).then((results) => {
      if (failed) {
        this.#failure = { id: request.id, at: new Date(), message: failed.message };
        log.error({ err: failed }, 'cpu load failed');
      } else {
        const first = results.find((r) => r !== undefined);
        log.info({ reason: first?.reason, factors: first?.factors }, 'cpu load ended');
      }
      request.lease?.cancel();
      this.#running = undefined;
      handle.release();
    });
    const state: CpuLoadState = { ...request, started };
    this.#running = { ...state, control, done };
    return state;
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
