import { describe, expect, it } from 'vitest';
import { CappedOutput, utf8Boundary } from './output.ts';

describe('CappedOutput', () => {
  it('keeps everything under the cap', () => {
    const out = new CappedOutput(10);
    expect(out.push(Buffer.from('hello'))).toBe(true);
    expect(out.text()).toBe('hello');
    expect(out.overflowed).toBe(false);
  });

  it('keeps exactly the cap and flags the overflow', () => {
    const out = new CappedOutput(4);
    expect(out.push(Buffer.from('abcdef'))).toBe(false);
    expect(out.overflowed).toBe(true);
    expect(out.text()).toBe('abcd');
  });

  it('cuts before a character split by the cap', () => {
    const out = new CappedOutput(5);
    out.push(Buffer.from('abcdé')); // é is 2 bytes: 6 bytes in all
    expect(out.text()).toBe('abcd');
  });

  it('turns invalid UTF-8 into U+FFFD instead of failing', () => {
    const out = new CappedOutput(100);
    out.push(Buffer.from([0xff, 0xfe, 0x61]));
    expect(out.text()).toBe('\uFFFD\uFFFDa');
  });
});

describe('utf8Boundary', () => {
  it('keeps a complete 4-byte character and drops an incomplete one', () => {
    const emoji = Buffer.from('a😀');
    expect(utf8Boundary(emoji)).toBe(5);
    expect(utf8Boundary(emoji.subarray(0, 4))).toBe(1);
    expect(utf8Boundary(emoji.subarray(0, 2))).toBe(1);
  });

  it('leaves ASCII and empty input alone', () => {
    expect(utf8Boundary(Buffer.from('abc'))).toBe(3);
    expect(utf8Boundary(Buffer.alloc(0))).toBe(0);
  });
});
