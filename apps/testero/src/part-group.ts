import { emptyPlan, type PartPlan, plan } from '@repo/chunks';
import { HandoffLock } from '@repo/lock';
import type { Logger } from '@repo/service';

/** What really holds the parts of a group: memory buffers or files. */
export interface PartHolder {
  readonly sizes: readonly bigint[];
  /** Parts held now, per size (what this process created and has not removed). */
  counts(): readonly number[];
  /** Parts that really exist now, when that can differ from `counts()` (files someone else may delete). */
  countExisting?(): Promise<readonly number[]>;
  /** Adds one part of `sizes[index]`, fully written. */
  add(index: number): Promise<void>;
  /** How many `add` calls may run at once (files: overlap one file's fsync with the next one's writes). Default 1. */
  readonly parallelism?: number;
  /** Removes the highest-numbered part of `sizes[index]`. */
  removeLast(index: number): Promise<void>;
  /** Removes everything; the holder is not used again. */
  close(): Promise<void>;
}

export type SetOutcome =
  | { kind: 'accepted'; plan: PartPlan }
  | { kind: 'busy' }
  | { kind: 'over-limit'; plan: PartPlan; limit: bigint };

export interface PartGroupOptions {
  holder: PartHolder;
  maxPerSize: bigint;
  /** The most this group may hold (bytes). */
  limit: bigint;
  logger: Logger;
  name: string;
}

/**
 * One resource group (memory or disk) with the original's locking design: `set` takes the lock
 * without waiting, answers at once and hands the lock to a background task by the request id; the
 * task claims it, adds or removes parts one at a time, and releases it. Readers never take the lock.
 */
export class PartGroup {
  readonly lock = new HandoffLock();
  readonly holder: PartHolder;
  readonly limit: bigint;
  readonly #maxPerSize: bigint;
  readonly #logger: Logger;
  readonly #name: string;
  #definition: PartPlan;
  #lastRequestId = 0n;
  #task: Promise<void> | undefined;
  #closing = false;

  constructor(options: PartGroupOptions) {
    this.holder = options.holder;
    this.limit = options.limit;
    this.#maxPerSize = options.maxPerSize;
    this.#logger = options.logger;
    this.#name = options.name;
    this.#definition = emptyPlan(options.holder.sizes);
  }

  /** The plan of the last accepted `set` (all zero before the first). */
  get definition(): PartPlan {
    return this.#definition;
  }

  /** The id of the last `set` whose task took the lock (0 before the first). */
  get lastRequestId(): bigint {
    return this.#lastRequestId;
  }

  /** True while a `set` is being carried out. */
  get busy(): boolean {
    return this.lock.state !== 'free';
  }

  heldBytes(): bigint {
    return this.holder.counts().reduce((sum, count, i) => sum + BigInt(count) * (this.holder.sizes[i] as bigint), 0n);
  }

  /** Starts moving to `size` bytes; the answer comes at once, the work continues in the background. */
  set(size: bigint, id: bigint): SetOutcome {
    if (this.#closing) return { kind: 'busy' };
    const handle = this.lock.tryAcquire();
    if (!handle) return { kind: 'busy' };
    const target = plan(size, this.holder.sizes, this.#maxPerSize);
    // Shrinking is always allowed, even when the limit was lowered below what is held.
    if (target.total > this.limit && target.total > this.heldBytes()) {
      handle.release();
      return { kind: 'over-limit', plan: target, limit: this.limit };
    }
    this.#definition = target;
    handle.handOff(id);
    this.#task = this.#resize(id, target);
    return { kind: 'accepted', plan: target };
  }

  async #resize(id: bigint, target: PartPlan): Promise<void> {
    let handle: ReturnType<HandoffLock['claim']>;
    try {
      handle = this.lock.claim(id);
    } catch (error) {
      this.#logger.error({ err: error, id: String(id) }, `${this.#name}: could not claim the lock`);
      return;
    }
    this.#lastRequestId = id;
    const started = performance.now();
    const log = this.#logger.child({ group: this.#name, id: String(id) });
    log.info({ target: String(target.total) }, `${this.#name}: resizing`);
    try {
      const want = target.counts.map(Number);
      // Shrink first so that a reshuffle never holds more than the larger of the two plans.
      for (const [i, count] of want.entries()) {
        while (!this.#closing && (this.holder.counts()[i] ?? 0) > count) await this.holder.removeLast(i);
      }
      const parallelism = this.holder.parallelism ?? 1;
      for (const [i, count] of want.entries()) {
        while (!this.#closing && (this.holder.counts()[i] ?? 0) < count) {
          const batch = Math.min(parallelism, count - (this.holder.counts()[i] ?? 0));
          const results = await Promise.allSettled(Array.from({ length: batch }, () => this.holder.add(i)));
          const failed = results.find((r) => r.status === 'rejected');
          if (failed) throw failed.reason;
        }
      }
      const durationMs = Math.round(performance.now() - started);
      log.info({ held: String(this.heldBytes()), durationMs }, `${this.#name}: done`);
    } catch (error) {
      log.error({ err: error, held: String(this.heldBytes()) }, `${this.#name}: resize failed, keeping what is held`);
    } finally {
      handle.release();
    }
  }

  /** Waits for the running `set` (tests, benchmarks). */
  async settled(): Promise<void> {
    await this.#task;
  }

  /** Stops a running `set` between two parts, then frees everything. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#task;
    await this.holder.close();
  }
}
