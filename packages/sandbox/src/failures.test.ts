// Failures of the sandbox itself are the server's ('internal'), never the program's; the host's files never
// stop a sandbox from starting.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import type { IsolationLayer } from './isolation.ts';
import { copyWorldReadable } from './namespaces.ts';
import { expectNothingLeft, makeSandbox, requireLevel, type TestSandbox } from './test-support.ts';

describe('the /etc snapshot', () => {
  it('copies what everyone may read, keeps links as links, and names what it left out', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'etc-copy-'));
    try {
      const source = path.join(dir, 'ssl');
      mkdirSync(path.join(source, 'certs'), { recursive: true });
      writeFileSync(path.join(source, 'certs', 'ca.pem'), 'public');
      symlinkSync('/usr/share/ca-certificates/x.crt', path.join(source, 'certs', 'x.pem'));
      mkdirSync(path.join(source, 'private'), { mode: 0o700 });
      writeFileSync(path.join(source, 'private', 'key.pem'), 'secret');
      writeFileSync(path.join(source, 'secret.cnf'), 'root only', { mode: 0o600 });
      chmodSync(path.join(source, 'private'), 0o700);
      const skipped: string[] = [];
      copyWorldReadable(source, path.join(dir, 'copy'), skipped);
      expect(readdirSync(path.join(dir, 'copy')).sort()).toEqual(['certs']);
      expect(readdirSync(path.join(dir, 'copy', 'certs')).sort()).toEqual(['ca.pem', 'x.pem']);
      expect(skipped).toEqual([
        `${source}/private (mode 0700: not readable by others)`,
        `${source}/secret.cnf (mode 0600: not readable by others)`,
      ]);
      // A path that vanished (or cannot be read) is named too, and nothing throws.
      const gone: string[] = [];
      copyWorldReadable(path.join(dir, 'missing'), path.join(dir, 'copy2'), gone);
      expect(gone).toEqual([`${dir}/missing (ENOENT)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const levels: Array<{ name: 'full' | 'namespaces'; disable: IsolationLayer[] }> = [
  { name: 'full', disable: [] },
  { name: 'namespaces', disable: ['cgroups'] },
];

for (const level of levels) {
  describe(`a failure of the sandbox at level ${level.name}`, () => {
    let t: TestSandbox;
    let box: Box;
    beforeAll(async () => {
      t = await makeSandbox(level.disable, 1);
      box = await t.sandbox.createBox(0);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    it("is 'internal' with bubblewrap's reason, not the program's runtime error", async (ctx) => {
      requireLevel(ctx, t.sandbox, level.name);
      // A read-only path that exists when the run is checked and is gone when bwrap binds it: bwrap fails.
      const vanishing = mkdtempSync(path.join(os.tmpdir(), 'vanishing-'));
      const running = t.sandbox.run({ box, argv: ['/bin/echo', 'never'], readOnlyPaths: [vanishing] });
      rmSync(vanishing, { recursive: true });
      const result = await running;
      expect(result.status).toBe('internal');
      expect(result.message).toMatch(/^the sandbox failed before the program ended \(exit status 1\): bwrap: /);
      expect(result.stdout).toBe('');
      await expectNothingLeft(box);
    });

    it('still reports what the program did, whatever its exit status or signal', async (ctx) => {
      requireLevel(ctx, t.sandbox, level.name);
      for (const [script, status, code] of [
        ['exit 2', 'runtime-error', 2],
        ['exit 125', 'runtime-error', 125],
        ['kill -SEGV $$', 'signaled', null],
        ['echo fine', 'ok', 0],
      ] as const) {
        const result = await t.sandbox.run({ box, argv: ['/bin/sh', '-c', script] });
        expect(result.status, script).toBe(status);
        expect(result.exitCode, script).toBe(code);
        await box.reset();
      }
    });
  });
}
