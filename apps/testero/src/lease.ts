// setTimeout takes at most 2^31-1 ms (24.8 days); a longer lease re-arms until its time has come.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A resource held for `ttlSeconds` from `startedAt`, released by itself when the time is up. */
export class Lease {
  readonly id: bigint;
  readonly ttlSeconds: number;
  readonly expiresAt: Date;
  #timer: NodeJS.Timeout | undefined;

  constructor(id: bigint, ttlSeconds: number, startedAt: Date, onExpiry: (lease: Lease) => void) {
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.expiresAt = new Date(startedAt.getTime() + ttlSeconds * 1000);
    const arm = () => {
      const left = this.expiresAt.getTime() - Date.now();
      if (left <= 0) {
        this.#timer = undefined;
        onExpiry(this);
        return;
      }
      this.#timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS)).unref();
    };
    // Never at once: the caller keeps the lease before it can expire.
    this.#timer = setTimeout(arm, Math.min(Math.max(0, this.expiresAt.getTime() - Date.now()), MAX_TIMER_MS)).unref();
  }

  /** Seconds until the lease ends (never below 0). */
  get secondsLeft(): number {
    return Math.max(0, Math.ceil((this.expiresAt.getTime() - Date.now()) / 1000));
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  toJSON() {
    return {
      id: String(this.id),
      ttlSeconds: this.ttlSeconds,
      expiresAt: this.expiresAt.toISOString(),
      secondsLeft: this.secondsLeft,
    };
  }
}

/** A request id (ns since the epoch) as the time it arrived. */
export const arrivalOf = (id: bigint) => new Date(Number(id / 1_000_000n));
