import { describe, expect, it } from 'vitest';
import { DamagedLinkError, decodeShare, encodeShare } from './share.ts';

describe('share links', () => {
  it('carry language, code, stdin and args through a fragment unchanged', async () => {
    const program = {
      language: 'python',
      code: 'print("héllo wörld ✓")\n'.repeat(50),
      stdin: 'line 1\nline 2\n',
      args: '--flag\nvalue with spaces',
    };
    const hash = await encodeShare(program);
    expect(hash).toMatch(/^lang=python&code=[A-Za-z0-9_-]+&stdin=[A-Za-z0-9_-]+&args=[A-Za-z0-9_-]+$/);
    expect(await decodeShare(`#${hash}`)).toEqual(program);
  });

  it('compress repetitive code well below its size', async () => {
    const code = 'for i in range(10):\n    print(i)\n'.repeat(100);
    const hash = await encodeShare({ language: 'python', code, stdin: '', args: '' });
    expect(hash.length).toBeLessThan(code.length / 10);
    expect(hash).not.toContain('stdin=');
  });

  it('find nothing in a fragment without a program', async () => {
    expect(await decodeShare('')).toBeNull();
    expect(await decodeShare('#section-2')).toBeNull();
  });

  it('say so when the code was cut short', async () => {
    const hash = await encodeShare({ language: 'go', code: 'package main\n'.repeat(20), stdin: '', args: '' });
    await expect(decodeShare(hash.slice(0, -6))).rejects.toThrow(DamagedLinkError);
    await expect(decodeShare('lang=go&code=%%%')).rejects.toThrow(
      'The shared link is damaged (its code cannot be decoded)',
    );
  });
});
