import type { Logger } from '@repo/service';
import type { Outcome } from './run.ts';
import type { ClaimingStore } from './store.ts';
import type { SubmissionRecord } from './submission.ts';

/** What the routes see of the workers, whichever queue feeds them. */
export interface Judge0Workers {
  /** At most this many submissions run at once in this process. */
  readonly size: number;
  /** Submissions running now in this process. */
  readonly working: number;
  /** Submissions were added: take them while a worker is free. */
  wake(): void;
  /** Resolves when the submission `token` has finished, wherever it ran (or when `signal` fires). */
  finished(token: string, signal?: AbortSignal): Promise<void>;
  /** Stops taking submissions and waits for those running (a shutdown aborts them: they go back to the queue). */
  stop(): Promise<void>;
}

/** Who waits in this process for which submission to finish (`wait=true`). */
export class FinishWaiters {
  readonly #listeners = new Map<string, Set<() => void>>();

  /**
   * Resolves at `notify(token)` or when `signal` fires. `watch`, if given, gets the same `done` to call (a
   * poll of the store) and answers how to stop watching.
   */
  wait(token: string, signal?: AbortSignal, watch?: (done: () => void) => () => void): Promise<void> {
    return new Promise((resolve) => {
      const listeners = this.#listeners.get(token) ?? new Set();
      this.#listeners.set(token, listeners);
      let unwatch: (() => void) | undefined;
      const done = () => {
        unwatch?.();
        listeners.delete(done);
        if (listeners.size === 0) this.#listeners.delete(token);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      listeners.add(done);
      signal?.addEventListener('abort', done, { once: true });
      unwatch = watch?.(done);
    });
  }

  notify(token: string): void {
    for (const listener of [...(this.#listeners.get(token) ?? [])]) listener();
  }
}

export interface SubmissionWorkersOptions {
  store: ClaimingStore;
  /** At most this many submissions run at once (the runner's pool size). */
  size: number;
  /** Runs a submission; never rejects (a failure is an Internal Error outcome). */
  run: (record: SubmissionRecord) => Promise<Outcome>;
  /** Told of each submission this process finished (its callback is sent from here). */
  onFinished?: (record: SubmissionRecord) => void;
  logger: Logger;
  /** After a submission found no free box, wait this long before taking the next. Default 250 ms. */
  busyRetryMs?: number;
}

/**
 * The workers of one process: they take queued submissions from the store, oldest first, at most `size` at a
 * time, run each and write its result. `wake()` after adding to the queue; `finished()` to wait for one.
 */
export class SubmissionWorkers implements Judge0Workers {
  readonly size: number;
  readonly #options: SubmissionWorkersOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #waiters = new FinishWaiters();
  #working = 0;
  #stopped = false;
  #pumping = false;
  #again = false;
  #pausedUntil = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: SubmissionWorkersOptions) {
    this.#options = options;
    this.size = options.size;
  }

  /** Submissions running now. */
  get working(): number {
    return this.#working;
  }

  /** Takes queued submissions while a worker is free. */
  wake(): void {
    void this.#pump().catch((error) => this.#options.logger.error({ err: error }, 'judge0 queue failed'));
  }

  /** Resolves when the submission `token` finishes in this process (or `signal` fires). */
  finished(token: string, signal?: AbortSignal): Promise<void> {
    return this.#waiters.wait(token, signal);
  }

  /** Stops taking submissions and waits for those running (a shutdown aborts them: they go back to the queue). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await Promise.allSettled([...this.#inFlight]);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && this.#working < this.size && Date.now() >= this.#pausedUntil) {
          const record = await this.#options.store.claim();
          if (!record) break;
          this.#start(record);
        }
      } while (this.#again && !this.#stopped);
    } finally {
      this.#pumping = false;
    }
  }

  #start(record: SubmissionRecord): void {
    this.#working++;
    const task = this.#runOne(record).finally(() => {
      this.#working--;
      this.#inFlight.delete(task);
      if (!this.#stopped) this.wake();
    });
    this.#inFlight.add(task);
  }

  async #runOne(record: SubmissionRecord): Promise<void> {
    const { store, logger } = this.#options;
    const outcome = await this.#options.run(record);
    try {
      if ('requeue' in outcome) {
        await store.requeue(record.token);
        if (outcome.requeue === 'busy') this.#pause();
        return;
      }
      const finished = { ...record, ...outcome.result };
      await store.finish(finished);
      this.#options.onFinished?.(finished);
    } catch (error) {
      logger.error({ err: error, token: record.token }, 'judge0 store failed');
    }
    this.#waiters.notify(record.token);
  }

  #pause(): void {
    const retryMs = this.#options.busyRetryMs ?? 250;
    this.#pausedUntil = Date.now() + retryMs;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.wake(), retryMs);
    this.#retry.unref();
  }
}
