import { createHandle, type Releasable } from './handle.ts';

/** A mutex that never waits: `tryAcquire()` returns a handle, or `undefined` while someone holds it. */
export class TryLock {
  #held = false;

  get held(): boolean {
    return this.#held;
  }

  tryAcquire(): Releasable | undefined {
    if (this.#held) return undefined;
    this.#held = true;
    return createHandle('TryLock', () => {
      this.#held = false;
    });
  }
}
