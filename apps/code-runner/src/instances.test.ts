// Several code-runner processes on one host with the same WORK_DIR and SANDBOX_BASE_UID (two runners in this
// process stand for them: the sandbox's claims are per live sandbox, whoever holds them): each has its own box
// directories, box uids and compile cache, and one's box resets never touch the other's programs.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.ts';
import { requireBoxUids, requireLanguage } from './testing.ts';

describe('two code-runners on one WORK_DIR and base uid', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'code-runner-shared-'));
  chmodSync(workDir, 0o711);
  const env = { NUM_RUNNERS: '1', WORK_DIR: workDir, SANDBOX_BASE_UID: '450000', QUEUE_TIMEOUT_MS: '60000' };
  let first: Harness;
  let second: Harness;
  beforeAll(async () => {
    first = await createHarness(env);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const cHello = '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }\n';

  it("keeps the first one's compile cache when the second starts (each empties only its own)", async (ctx) => {
    requireLanguage(ctx, first.runner, 'c');
    const compiled = await first.execute({ language: 'c', files: [{ content: cHello }] });
    expect(compiled.compile?.cached).toBe(false);
    second = await createHarness(env);
    const again = await first.execute({ language: 'c', files: [{ content: cHello }] });
    expect(again.compile?.cached).toBe(true);
    expect(again.run.stdout).toBe('hello from c\n');
    const elsewhere = await second.execute({ language: 'c', files: [{ content: cHello }] });
    expect(elsewhere.compile?.cached).toBe(false);
  });

  it('gives each its own instance directory and its own box uids', async (ctx) => {
    second ??= await createHarness(env);
    const instances = readdirSync(path.join(workDir, 'boxes')).filter((name) => name.startsWith('sandbox-'));
    expect(instances).toHaveLength(2);
    requireBoxUids(ctx, first.runner);
    const [a, b] = [first.runner.boxUids, second.runner.boxUids];
    expect(a?.first).toBe(450_000);
    expect(a && b && (b.first > a.last || b.last < a.first)).toBe(true);
  });

  it("never kills the other's program with its box resets", async (ctx) => {
    requireLanguage(ctx, first.runner, 'bash');
    second ??= await createHarness(env);
    const slow = first.execute({ language: 'bash', files: [{ content: 'sleep 1; echo survived' }] });
    // Each of these ends with a reset of the second's box, which kills every process of its uid.
    for (let i = 0; i < 5; i++) {
      const quick = await second.execute({ language: 'bash', files: [{ content: `echo ${i}` }] });
      expect(quick.run.stdout).toBe(`${i}\n`);
    }
    const answer = await slow;
    expect(answer.run).toMatchObject({ status: null, stdout: 'survived\n' });
  });
});
