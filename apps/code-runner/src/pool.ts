import { AcquireTimeoutError, QueueFullError, type Releasable, Semaphore } from '@repo/lock';
import type { Box, Sandbox } from '@repo/sandbox';
import type { Logger } from '@repo/service';
import { ClientError } from './errors.ts';

/** Every box is busy and the wait queue is full or the wait timed out: answer 503 with Retry-After. */
export class PoolBusyError extends ClientError {
  override name = 'PoolBusyError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(503, message, { headers: { 'Retry-After': String(retryAfterSeconds) }, reason: 'busy' });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The pool was closed (the server is shutting down): 503, to be asked again elsewhere or after the restart. */
export class PoolClosedError extends ClientError {
  override name = 'PoolClosedError';
  constructor() {
    super(503, 'the server is shutting down', { headers: { 'Retry-After': '5' } });
  }
}

/** How long the reset of a returned box is put off while another box is free and nobody waits. */
const resetDelayMs = 5;

/** One box lent to one request. `release()` empties the box in the background before anyone else gets it. */
export interface Lease {
  readonly box: Box;
  release(): void;
}

export interface PoolOptions {
  sandbox: Pick<Sandbox, 'createBox'>;
  size: number;
  /** Requests that may wait for a box; past that, 503 at once. */
  maxQueue: number;
  /** How long a request waits for a box before 503. */
  queueTimeoutMs: number;
  logger: Logger;
}

/**
 * N boxes behind a counting semaphore: a permit is a box. A box goes back to the free list only after
 * `reset()` emptied it and killed what was left, so no request ever sees another's files or processes.
 */
export class Pool {
  readonly size: number;
  readonly #semaphore: Semaphore;
  readonly #free: Box[];
  readonly #options: PoolOptions;
  readonly #recycling = new Set<Promise<void>>();
  /** Starts of resets put off while another box was free (see `release`). */
  readonly #deferred = new Set<() => void>();
  #broken = 0;
  #closed = false;

  private constructor(options: PoolOptions, boxes: Box[]) {
    this.#options = options;
    this.size = boxes.length;
    this.#free = boxes;
    this.#semaphore = new Semaphore({ permits: boxes.length, maxQueue: options.maxQueue });
  }

  static async create(options: PoolOptions): Promise<Pool> {
    const boxes: Box[] = [];
    for (let id = 0; id < options.size; id++) boxes.push(await options.sandbox.createBox(id));
    return new Pool(options, boxes);
  }

  get busy(): number {
    return this.#semaphore.inUse;
  }
  get queued(): number {
    return this.#semaphore.queueLength;
  }
  get maxQueue(): number {
    return this.#options.maxQueue;
  }
  get queueTimeoutMs(): number {
    return this.#options.queueTimeoutMs;
  }
  /** Boxes that could not be reset nor recreated and are out of service. */
  get broken(): number {
    return this.#broken;
  }

  /** Waits (bounded) for a free box. Throws PoolBusyError, PoolClosedError, or the signal's reason. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.#closed) throw new PoolClosedError();
    // No box free for this request: the resets put off for later are needed now.
    if (this.#free.length === 0) this.#startDeferredResets();
    const retryAfterSeconds = Math.max(1, Math.ceil(this.#options.queueTimeoutMs / 1000));
    let permit: Releasable;
    try {
      permit = await this.#semaphore.acquire({ signal, timeoutMs: this.#options.queueTimeoutMs });
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new PoolBusyError(
          `all ${this.size} boxes are busy and ${error.maxQueue} requests are waiting`,
          retryAfterSeconds,
        );
      }
      if (error instanceof AcquireTimeoutError) {
        throw new PoolBusyError(`no box became free within ${error.timeoutMs} ms`, retryAfterSeconds);
      }
      throw error;
    }
    const box = this.#free.pop();
    if (!box || this.#closed) {
      // Only possible when closing (boxes are being destroyed): give the permit back.
      if (box) this.#free.push(box);
      permit.release();
      throw new PoolClosedError();
    }
    let released = false;
    return {
      box,
      release: () => {
        if (released) return;
        released = true;
        // The box and its permit stay taken until the reset has emptied and checked it. The reset has
        // synchronous parts (the sandbox's /proc scan, emptying) that block the event loop, so it starts after
        // the answer of the request that used the box was written (next turn of the loop); and when another
        // box is free and nobody waits, a little later still, when the next request's program most likely
        // runs, instead of delaying that request's start. Whoever finds no free box starts it at once.
        let start!: () => void;
        const recycling = new Promise<void>((resolve) => {
          start = resolve;
        }).then(() => this.#recycle(box, permit));
        this.#recycling.add(recycling);
        void recycling.finally(() => this.#recycling.delete(recycling));
        if (this.#free.length > 0 && this.#semaphore.queueLength === 0) {
          const timer = setTimeout(() => now(), resetDelayMs);
          const now = () => {
            clearTimeout(timer);
            this.#deferred.delete(now);
            start();
          };
          this.#deferred.add(now);
        } else setImmediate(start);
      },
    };
  }

  #startDeferredResets(): void {
    for (const now of [...this.#deferred]) now();
  }

  async #recycle(box: Box, permit: Releasable): Promise<void> {
    try {
      await box.reset();
      this.#free.push(box);
      permit.release();
      return;
    } catch (error) {
      this.#options.logger.error({ err: error, box: box.id }, 'box reset failed; recreating it');
    }
    try {
      await box.destroy().catch(() => undefined);
      this.#free.push(await this.#options.sandbox.createBox(box.id));
      permit.release();
    } catch (error) {
      // Keep the permit: a box that cannot be made clean must never be lent again.
      this.#broken++;
      this.#options.logger.error({ err: error, box: box.id }, 'box could not be recreated; it is out of service');
    }
  }

  /** Stops lending, waits for boxes in use to come back, destroys every box. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#startDeferredResets();
    const deadline = Date.now() + 15_000;
    while ((this.#semaphore.inUse > 0 || this.#recycling.size > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (this.#semaphore.inUse - this.#broken <= 0 && this.#recycling.size === 0) break;
    }
    const boxes = this.#free.splice(0);
    await Promise.allSettled(boxes.map((box) => box.destroy()));
  }
}
