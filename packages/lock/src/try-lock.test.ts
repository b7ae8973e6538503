import { describe, expect, it } from 'vitest';
import { AlreadyReleasedError } from './errors.ts';
import { TryLock } from './try-lock.ts';

describe('TryLock', () => {
  it('gives the lock to one caller and refuses the next until released', () => {
    const lock = new TryLock();
    const first = lock.tryAcquire();
    expect(first).toBeDefined();
    expect(lock.held).toBe(true);
    expect(lock.tryAcquire()).toBeUndefined();
    first?.release();
    expect(lock.held).toBe(false);
    expect(lock.tryAcquire()).toBeDefined();
  });

  it('throws on a second release instead of freeing someone else’s lock', () => {
    const lock = new TryLock();
    const first = lock.tryAcquire();
    first?.release();
    const second = lock.tryAcquire();
    expect(() => first?.release()).toThrow(AlreadyReleasedError);
    expect(lock.held).toBe(true);
    second?.release();
  });

  it('is released at the end of a `using` block, even when it throws', () => {
    const lock = new TryLock();
    expect(() => {
      using handle = lock.tryAcquire();
      expect(handle).toBeDefined();
      throw new Error('work failed');
    }).toThrow('work failed');
    expect(lock.held).toBe(false);
  });
});
