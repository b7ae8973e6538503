// Where box-init comes from, and the runs without it (no compiler, a broken prebuilt one): a shell waits instead.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInitBinary } from './init-binary.ts';
import { makeSandbox } from './test-support.ts';

describe('findInitBinary', () => {
  it('builds box-init once per source into workRoot and reuses it', async () => {
    const workRoot = mkdtempSync(path.join(os.tmpdir(), 'box-init-'));
    try {
      const first = await findInitBinary(workRoot);
      expect(first).toMatchObject({ path: expect.stringMatching(/\/\.box-init-[0-9a-f]{16}$/) });
      expect(typeof first !== 'string' && first.origin).toMatch(/^built from src\/box-init\.c with /);
      const again = await findInitBinary(workRoot);
      expect(again).toEqual({ path: (first as { path: string }).path, origin: expect.stringMatching(/^built from/) });
      expect(typeof again !== 'string' && again.origin).not.toMatch(/ with /); // not compiled a second time
    } finally {
      rmSync(workRoot, { recursive: true, force: true });
    }
  });

  it('takes a prebuilt one, and says what is wrong with a bad one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'box-init-'));
    try {
      const file = path.join(dir, 'box-init');
      writeFileSync(file, '#!/bin/sh\n');
      expect(await findInitBinary(dir, file)).toBe(`the prebuilt box-init ${file} is not an executable file`);
      chmodSync(file, 0o755);
      expect(await findInitBinary(dir, file)).toEqual({ path: file, origin: `${file} (prebuilt)` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('without box-init', () => {
  it.each([
    { level: 'namespaces', disable: ['cgroups' as const] },
    { level: 'basic', disable: ['cgroups' as const, 'namespaces' as const] },
  ])('runs at level $level with a shell as the waiter, and says so', async ({ level, disable }) => {
    const t = await makeSandbox(disable, 1, { init: '/nonexistent/box-init' });
    try {
      expect(t.sandbox.isolation.layers.process.detail).toContain('a shell waits for each program instead');
      // Only the wrapper's `times` measures, and it waits for bwrap, not the program, where there is one.
      const cpuTime = level === 'basic' ? 'times' : null;
      expect(t.sandbox.isolation.usage).toEqual({ memory: null, cpuTime });
      const box = await t.sandbox.createBox(0);
      const ok = await t.sandbox.run({ box, argv: ['sh', '-c', 'echo hi; exit 3'] });
      expect(ok).toMatchObject({ status: 'runtime-error', exitCode: 3, stdout: 'hi\n', memoryBytes: null });
      if (cpuTime) expect(ok.cpuTimeMs).not.toBeNull();
      const killed = await t.sandbox.run({ box, argv: ['sh', '-c', 'kill -9 $$'] });
      expect(killed).toMatchObject({ status: 'signaled', signal: 'SIGKILL' });
      const running = t.sandbox.start({ box, argv: ['sleep', '5'], limits: { wallTimeMs: 300 } });
      expect(running.kill('SIGINT')).toBe(false); // nobody to forward it
      expect((await running.result).status).toBe('timeout');
    } finally {
      await t.cleanup();
    }
  });
});
