import { AcquireTimeoutError, QueueFullError } from './errors.ts';
import { createHandle, type Releasable } from './handle.ts';

export interface SemaphoreOptions {
  /** Number of permits, at least 1. */
  permits: number;
  /** How many callers may wait for a permit; past that `acquire` rejects with `QueueFullError`. Default: unbounded. */
  maxQueue?: number;
}

export interface AcquireOptions {
  /** Aborting rejects the wait with the signal's reason; an aborted waiter never receives a permit. */
  signal?: AbortSignal;
  /** Rejects with `AcquireTimeoutError` when no permit is free within this time. */
  timeoutMs?: number;
}

interface Waiter {
  grant(permit: Releasable): void;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer >= ${min}, got \`${value}\` (${typeof value})`);
  }
}

/** A counting semaphore whose waiters are served first in, first out, with a bounded queue. */
export class Semaphore {
  readonly permits: number;
  readonly maxQueue: number;
  #inUse = 0;
  readonly #queue: Waiter[] = [];

  constructor(options: SemaphoreOptions) {
    checkCount('permits', options.permits, 1);
    const maxQueue = options.maxQueue ?? Number.POSITIVE_INFINITY;
    if (maxQueue !== Number.POSITIVE_INFINITY) checkCount('maxQueue', maxQueue, 0);
    this.permits = options.permits;
    this.maxQueue = maxQueue;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get available(): number {
    return this.permits - this.#inUse;
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  /** A permit now, or `undefined`; never jumps the queue. */
  tryAcquire(): Releasable | undefined {
    if (this.#inUse >= this.permits || this.#queue.length > 0) return undefined;
    return this.#take();
  }

  /** Waits in FIFO order for a permit. Rejects at once when the queue is full or the signal is aborted. */
  acquire(options: AcquireOptions = {}): Promise<Releasable> {
    const { signal, timeoutMs } = options;
    if (timeoutMs !== undefined) checkCount('timeoutMs', timeoutMs, 0);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const permit = this.tryAcquire();
    if (permit) return Promise.resolve(permit);
    if (this.#queue.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.maxQueue));
    if (timeoutMs === 0) return Promise.reject(new AcquireTimeoutError(0));

    return new Promise<Releasable>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        const index = this.#queue.indexOf(waiter);
        if (index !== -1) this.#queue.splice(index, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (granted) => {
          leave();
          resolve(granted);
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          leave();
          reject(new AcquireTimeoutError(timeoutMs));
        }, timeoutMs);
      }
    });
  }

  #take(): Releasable {
    this.#inUse++;
    return createHandle('Semaphore permit', () => this.#release());
  }

  #release(): void {
    // Hand the permit straight to the next waiter so that nobody can overtake the queue.
    const next = this.#queue[0];
    if (next) {
      this.#inUse--;
      next.grant(this.#take());
      return;
    }
    this.#inUse--;
  }
}
