import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandoffClaimError } from './errors.ts';
import { HandoffLock } from './handoff-lock.ts';

describe('HandoffLock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the lock taken between the hand-off and the claim', () => {
    const lock = new HandoffLock();
    const handle = lock.tryAcquire();
    handle?.handOff(42n);
    expect(lock.state).toBe('pending');
    expect(lock.pendingToken).toBe(42n);
    expect(lock.tryAcquire()).toBeUndefined();

    const claimed = lock.claim(42n);
    expect(lock.state).toBe('held');
    expect(lock.tryAcquire()).toBeUndefined();
    claimed.release();
    expect(lock.state).toBe('free');
  });

  it('refuses a claim with another token and keeps the reservation', () => {
    const lock = new HandoffLock();
    lock.tryAcquire()?.handOff('a');
    expect(() => lock.claim('b')).toThrow(HandoffClaimError);
    expect(lock.state).toBe('pending');
    lock.claim('a').release();
  });

  it('frees itself when the hand-off is never claimed', () => {
    vi.useFakeTimers();
    const lock = new HandoffLock({ claimTimeoutMs: 100 });
    lock.tryAcquire()?.handOff(1);
    vi.advanceTimersByTime(99);
    expect(lock.state).toBe('pending');
    vi.advanceTimersByTime(1);
    expect(lock.state).toBe('free');
    expect(() => lock.claim(1)).toThrow(/no hand-off is pending/);
    expect(lock.tryAcquire()).toBeDefined();
  });

  it('does not let an old expiry free a later hand-off', () => {
    vi.useFakeTimers();
    const lock = new HandoffLock({ claimTimeoutMs: 100 });
    lock.tryAcquire()?.handOff(1);
    vi.advanceTimersByTime(50);
    const claimed = lock.claim(1);
    claimed.handOff(2, { timeoutMs: 1000 });
    vi.advanceTimersByTime(200);
    expect(lock.state).toBe('pending');
    expect(lock.pendingToken).toBe(2);
  });

  it('cannot hand off a released handle, and disposing a handed-off handle keeps the reservation', () => {
    const lock = new HandoffLock();
    const released = lock.tryAcquire();
    released?.release();
    expect(() => released?.handOff(1)).toThrow(HandoffClaimError);

    {
      using handle = lock.tryAcquire();
      handle?.handOff(7);
    }
    expect(lock.state).toBe('pending');
    lock.claim(7).release();
  });

  it('rejects a bad claim timeout with the value in the message', () => {
    expect(() => new HandoffLock({ claimTimeoutMs: -1 })).toThrow(
      'Expected `claimTimeoutMs` to be a positive integer, got `-1` (number)',
    );
  });
});
