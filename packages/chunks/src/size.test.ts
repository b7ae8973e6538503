import { describe, expect, it } from 'vitest';
import { InvalidSizeError, MAX_SIZE, parseSize } from './size.ts';

describe('parseSize', () => {
  it.each([
    ['0', 0n],
    ['256000', 256000n],
    [' 42 ', 42n],
    ['+7', 7n],
    ['18446744073709551615', MAX_SIZE],
  ])('parses %j', (text, expected) => {
    expect(parseSize(text)).toBe(expected);
  });

  it.each([
    [undefined, '`size` is missing'],
    ['', '`size` is empty'],
    ['   ', '`size` is empty'],
    ['-1', '`size` is negative (-1)'],
    ['1.5', '`size` is not a whole number (1.5)'],
    ['1e9', '`size` is not a whole number (1e9)'],
    ['abc', '`size` is not a number (abc)'],
    ['12abc', '`size` is not a number (12abc)'],
    ['0x10', '`size` is not a number (0x10)'],
    ['18446744073709551616', '`size` is too large (18446744073709551616)'],
  ])('refuses %j: %s, and says what is expected', (text, problem) => {
    expect(() => parseSize(text)).toThrow(InvalidSizeError);
    expect(() => parseSize(text)).toThrow(
      `${problem}; expected a whole number of bytes from 0 to 18446744073709551615`,
    );
  });

  it('names the parameter it parses', () => {
    expect(() => parseSize('x', 'time')).toThrow('`time` is not a number (x)');
  });
});
