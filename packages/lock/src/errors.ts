/** Thrown by `release()` on a handle that was already released: a second release must not free a second permit. */
export class AlreadyReleasedError extends Error {
  override name = 'AlreadyReleasedError';
  constructor(what: string) {
    super(`${what} was already released; releasing twice is a bug in the caller`);
  }
}

/** The semaphore's wait queue is full: the caller should answer "busy" at once. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  readonly maxQueue: number;
  constructor(maxQueue: number) {
    super(`wait queue is full (${maxQueue} waiting)`);
    this.maxQueue = maxQueue;
  }
}

/** No permit became free within the wait time. */
export class AcquireTimeoutError extends Error {
  override name = 'AcquireTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no permit became free within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** A hand-off was claimed with a token other than the one it was handed to, or after it expired. */
export class HandoffClaimError extends Error {
  override name = 'HandoffClaimError';
}
