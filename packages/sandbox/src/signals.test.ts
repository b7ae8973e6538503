import { describe, expect, it } from 'vitest';
import { signalName } from './signals.ts';

describe('signalName', () => {
  it('gives the usual Linux name, not the last alias', () => {
    expect(signalName(6)).toBe('SIGABRT');
    expect(signalName(29)).toBe('SIGIO');
    expect(signalName(17)).toBe('SIGCHLD');
    expect(signalName(31)).toBe('SIGSYS');
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(40)).toBe('SIG40');
  });
});
