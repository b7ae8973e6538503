export { AcquireTimeoutError, AlreadyReleasedError, HandoffClaimError, QueueFullError } from './errors.ts';
export type { Releasable } from './handle.ts';
export { type HandoffHandle, HandoffLock, type HandoffLockOptions, type HandoffState } from './handoff-lock.ts';
export { type AcquireOptions, Semaphore, type SemaphoreOptions } from './semaphore.ts';
export { TryLock } from './try-lock.ts';
