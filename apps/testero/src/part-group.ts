import { setTimeout as sleep } from 'node:timers/promises';
import { emptyPlan, type PartPlan, plan } from '@repo/chunks';
import { HandoffLock } from '@repo/lock';
import type { Logger } from '@repo/service';
import { arrivalOf, Lease } from './lease.ts';

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

/** Optional ways of reaching a target (the seed's `set` is neither). */
export interface SetOptions {
  /** Bytes per second: move to the target one part at a time, never ahead of this pace. */
  rate?: bigint | undefined;
  /** Seconds from the request: then release everything (size 0) by itself. */
  ttlSeconds?: number | undefined;
}

/** The progress of a `set` with a rate. */
export interface Ramp {
  id: bigint;
  rate: bigint;
  from: bigint;
  target: bigint;
  /** Bytes added and removed so far, of `toMove`. */
  moved: bigint;
  toMove: bigint;
  startedAt: Date;
  /** When the ramp reached its target, was stopped (lease, shutdown) or failed. */
  endedAt: Date | null;
  outcome: 'running' | 'reached' | 'stopped' | 'failed';
}

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
  #running: { id: bigint; abort: AbortController } | undefined;
  #ramp: Ramp | undefined;
  #lease: Lease | undefined;
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

  /** The last `set` with a rate: its progress while it runs, its outcome after. */
  get ramp(): Readonly<Ramp> | undefined {
    return this.#ramp;
  }

  /** The lease in force: everything is released when it ends. */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  heldBytes(): bigint {
    return this.holder.counts().reduce((sum, count, i) => sum + BigInt(count) * (this.holder.sizes[i] as bigint), 0n);
  }

  /**
   * Starts moving to `size` bytes; the answer comes at once, the work continues in the background. A
   * later accepted `set` replaces the lease of an earlier one (its target is no longer the one leased).
   */
  set(size: bigint, id: bigint, options: SetOptions = {}): SetOutcome {
    if (this.#closing) return { kind: 'busy' };
    const handle = this.lock.tryAcquire();
    if (!handle) return { kind: 'busy' };
    const target = plan(size, this.holder.sizes, this.#maxPerSize);
    // Shrinking is always allowed, even when the limit was lowered below what is held.
    if (target.total > this.limit && target.total > this.heldBytes()) {
      handle.release();
      return { kind: 'over-limit', plan: target, limit: this.limit };
    }
    this.#lease?.cancel();
    this.#lease = undefined;
    if (options.ttlSeconds !== undefined)
      this.#lease = new Lease(id, options.ttlSeconds, arrivalOf(id), (lease) => void this.#expire(lease));
    this.#begin(handle, id, target, options.rate);
    return { kind: 'accepted', plan: target };
  }

  #begin(handle: ReturnType<HandoffLock['tryAcquire']> & object, id: bigint, target: PartPlan, rate?: bigint): void {
    this.#definition = target;
    handle.handOff(id);
    this.#task = this.#resize(id, target, rate);
  }

  /** The lease is up: stop its own set if it still runs, then free everything. */
  async #expire(lease: Lease): Promise<void> {
    if (this.#lease !== lease || this.#closing) return;
    this.#logger.info({ group: this.#name, id: String(lease.id) }, `${this.#name}: lease ended, releasing`);
    if (this.#running?.id === lease.id) {
      this.#running.abort.abort();
      await this.#task;
    }
    if (this.#lease !== lease || this.#closing) return;
    this.#lease = undefined;
    const handle = this.lock.tryAcquire();
    // Only a later set takes the lock, and a later set replaces the lease: this cannot be busy.
    if (!handle) return;
    this.#begin(handle, lease.id, emptyPlan(this.holder.sizes));
  }

  async #resize(id: bigint, target: PartPlan, rate?: bigint): Promise<void> {
    let handle: ReturnType<HandoffLock['claim']>;
    try {
      handle = this.lock.claim(id);
    } catch (error) {
      this.#logger.error({ err: error, id: String(id) }, `${this.#name}: could not claim the lock`);
      return;
    }
    this.#lastRequestId = id;
    const abort = new AbortController();
    this.#running = { id, abort };
    const started = performance.now();
    const log = this.#logger.child({ group: this.#name, id: String(id) });
    log.info(
      { target: String(target.total), rate: rate === undefined ? undefined : String(rate) },
      `${this.#name}: resizing`,
    );
    const want = target.counts.map(Number);
    const sizes = this.holder.sizes;
    const count = (i: number) => this.holder.counts()[i] ?? 0;
    const ramp: Ramp | undefined =
      rate === undefined
        ? undefined
        : {
            id,
            rate,
            from: this.heldBytes(),
            target: target.total,
            moved: 0n,
            toMove: want.reduce((sum, n, i) => sum + BigInt(Math.abs(n - count(i))) * (sizes[i] as bigint), 0n),
            startedAt: new Date(),
            endedAt: null,
            outcome: 'running',
          };
    if (ramp) this.#ramp = ramp;
    const stopped = () => this.#closing || abort.signal.aborted;
    // A ramp never runs ahead of its rate: each part waits until the line `rate × elapsed` has reached
    // the bytes moved with it, so the target is approached from below rather than jumped over.
    const pace = async (bytes: bigint) => {
      if (!ramp) return;
      const dueMs = Number(((ramp.moved + bytes) * 1000n) / ramp.rate);
      const waitMs = dueMs - (performance.now() - started);
      if (waitMs > 0) await sleep(waitMs, undefined, { signal: abort.signal }).catch(() => undefined);
    };
    const moved = (bytes: bigint) => {
      if (ramp) ramp.moved += bytes;
    };
    try {
      // Shrink first so that a reshuffle never holds more than the larger of the two plans.
      for (const [i, n] of want.entries()) {
        while (!stopped() && count(i) > n) {
          await pace(sizes[i] as bigint);
          if (stopped()) break;
          await this.holder.removeLast(i);
          moved(sizes[i] as bigint);
        }
      }
      // A ramp grows the largest parts first, so that it comes near the target in the smallest steps.
      const order = ramp ? [...want.keys()].reverse() : [...want.keys()];
      const parallelism = ramp ? 1 : (this.holder.parallelism ?? 1);
      for (const i of order) {
        const n = want[i] ?? 0;
        while (!stopped() && count(i) < n) {
          await pace(sizes[i] as bigint);
          if (stopped()) break;
          const batch = Math.min(parallelism, n - count(i));
          const results = await Promise.allSettled(Array.from({ length: batch }, () => this.holder.add(i)));
          const failed = results.find((r) => r.status === 'rejected');
          if (failed) throw failed.reason;
          moved(BigInt(batch) * (sizes[i] as bigint));
        }
      }
      const durationMs = Math.round(performance.now() - started);
      if (ramp) Object.assign(ramp, { endedAt: new Date(), outcome: stopped() ? 'stopped' : 'reached' });
      log.info({ held: String(this.heldBytes()), durationMs, stopped: stopped() }, `${this.#name}: done`);
    } catch (error) {
      if (ramp) Object.assign(ramp, { endedAt: new Date(), outcome: 'failed' });
      log.error({ err: error, held: String(this.heldBytes()) }, `${this.#name}: resize failed, keeping what is held`);
    } finally {
      this.#running = undefined;
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
    this.#lease?.cancel();
    this.#running?.abort.abort();
    await this.#task;
    await this.holder.close();
  }
}
