import { HandoffClaimError } from './errors.ts';
import { createHandle, type Releasable } from './handle.ts';

export type HandoffState = 'free' | 'held' | 'pending';

/** A held HandoffLock: release it, or hand it to the one task that presents `token`. */
export interface HandoffHandle extends Releasable {
  /**
   * Reserves the lock for `token` and gives up this handle. Nobody else can take the lock until
   * `claim(token)` is called; if that does not happen within `timeoutMs`, the lock becomes free.
   */
  handOff(token: unknown, options?: { timeoutMs?: number }): void;
}

export interface HandoffLockOptions {
  /** How long a hand-off waits for its claim before the lock frees itself. Default 5000 ms. */
  claimTimeoutMs?: number;
}

/**
 * A try-lock that can be passed on: the request handler takes it, answers at once, and hands it to
 * the background task that does the work, which claims it by token and releases it when done.
 */
export class HandoffLock {
  #state: HandoffState = 'free';
  #token: unknown;
  #timer: NodeJS.Timeout | undefined;
  readonly #claimTimeoutMs: number;

  constructor(options: HandoffLockOptions = {}) {
    const timeout = options.claimTimeoutMs ?? 5000;
    if (!Number.isInteger(timeout) || timeout <= 0) {
      throw new TypeError(
        `Expected \`claimTimeoutMs\` to be a positive integer, got \`${timeout}\` (${typeof timeout})`,
      );
    }
    this.#claimTimeoutMs = timeout;
  }

  get state(): HandoffState {
    return this.#state;
  }

  /** The token a pending hand-off waits for, if any. */
  get pendingToken(): unknown {
    return this.#state === 'pending' ? this.#token : undefined;
  }

  /** Takes the lock without waiting; `undefined` while it is held or reserved for a hand-off. */
  tryAcquire(): HandoffHandle | undefined {
    if (this.#state !== 'free') return undefined;
    this.#state = 'held';
    return this.#holderHandle();
  }

  /** Takes over a lock handed to `token`. Throws `HandoffClaimError` for another token or an expired hand-off. */
  claim(token: unknown): HandoffHandle {
    if (this.#state !== 'pending') {
      throw new HandoffClaimError(`no hand-off is pending (lock is ${this.#state}); it may have expired`);
    }
    if (!Object.is(this.#token, token)) {
      throw new HandoffClaimError(`lock was handed to another token (${String(this.#token)}), not ${String(token)}`);
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#token = undefined;
    this.#state = 'held';
    return this.#holderHandle();
  }

  #holderHandle(): HandoffHandle {
    let handedOff = false;
    const handle = createHandle('HandoffLock', () => {
      if (handedOff) return;
      this.#state = 'free';
    });
    return Object.assign(handle, {
      handOff: (token: unknown, options: { timeoutMs?: number } = {}) => {
        if (handle.released) throw new HandoffClaimError('cannot hand off a lock that was already released');
        handedOff = true;
        handle.release();
        this.#state = 'pending';
        this.#token = token;
        this.#timer = setTimeout(() => {
          if (this.#state === 'pending' && Object.is(this.#token, token)) {
            this.#state = 'free';
            this.#token = undefined;
          }
        }, options.timeoutMs ?? this.#claimTimeoutMs);
        this.#timer.unref();
      },
    });
  }
}
