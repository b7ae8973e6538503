import { AlreadyReleasedError } from './errors.ts';

/** Proof of holding a lock or a permit. Works with `try/finally` and with `using`. */
export interface Releasable extends Disposable {
  /** Gives the lock back. Throws `AlreadyReleasedError` when called twice. */
  release(): void;
  readonly released: boolean;
}

/** A handle whose release runs `onRelease` exactly once; disposing a released handle does nothing. */
export function createHandle(what: string, onRelease: () => void): Releasable {
  let released = false;
  const release = () => {
    if (released) throw new AlreadyReleasedError(what);
    released = true;
    onRelease();
  };
  return {
    release,
    get released() {
      return released;
    },
    [Symbol.dispose]() {
      if (!released) release();
    },
  };
}
