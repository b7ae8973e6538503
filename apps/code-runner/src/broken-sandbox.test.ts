// When the sandbox itself fails (here: the /etc it binds into every box is gone), runs answer XX, nothing is
// cached, /readyz and then /healthz fail so that the server is restarted, and all is well once it heals.
import { chmodSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecuteResponse } from '@repo/runner-api';
import { createLogger, createRegistry } from '@repo/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { readConfig } from './config.ts';
import { createRunner, type Runner } from './runner.ts';
import { requireLanguage } from './testing.ts';

const retryMs = 200;

describe('a sandbox that stops working', () => {
  let workDir: string;
  let runner: Runner;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'code-runner-broken-'));
    chmodSync(workDir, 0o711);
    const config = readConfig({ NUM_RUNNERS: '1', WORK_DIR: workDir, LOG_LEVEL: 'silent' });
    const logger = createLogger({ name: 'code-runner-test', level: 'silent' });
    const registry = createRegistry();
    runner = await createRunner({
      config,
      logger,
      registry,
      languages: ['c', 'bash'],
      selfTestIntervalMs: 0,
      selfTestRetryMs: retryMs,
      livenessFailures: 3,
    });
    app = createApp({ config, runner, logger, registry });
  }, 120_000);
  afterAll(async () => {
    await runner?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** The sandbox instance's /etc snapshot (bound read-only into every box). */
  const etcOf = () => {
    const boxes = path.join(workDir, 'boxes');
    const instance = readdirSync(boxes).find((name) => name.startsWith('sandbox-'));
    if (!instance) throw new Error(`no sandbox instance under ${boxes}`);
    return path.join(boxes, instance, '.etc');
  };
  const execute = async (body: unknown) => {
    const res = await app.request('/api/v2/execute', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as ExecuteResponse;
  };
  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const healthz = async () => (await app.request('/healthz')).status;
  const readyz = async () => (await app.request('/readyz')).status;

  it('answers XX (never RE), caches no failed compile, fails liveness, and recovers', async (ctx) => {
    requireLanguage(ctx, runner, 'c');
    const program = {
      language: 'c',
      version: '*',
      files: [{ name: 'main.c', content: '#include <stdio.h>\nint main(void) { puts("compiled"); return 0; }\n' }],
    };
    expect(await healthz()).toBe(200);
    const etc = etcOf();
    renameSync(etc, `${etc}.away`);
    try {
      const broken = await execute(program);
      expect(broken.compile?.status).toBe('XX');
      expect(broken.compile?.message).toBe('internal error');
      expect(broken.compile?.cached).toBe(false);
      const shell = await execute({ language: 'bash', version: '*', files: [{ content: 'echo hi' }] });
      expect(shell.run.status).toBe('XX');
      // The internal answers make the server test its sandbox at once, then every retry period.
      await waitFor('/readyz to fail', async () => (await readyz()) === 503);
      await waitFor('/healthz to fail', async () => (await healthz()) === 503);
      const body = await (await app.request('/healthz')).json();
      expect(body).toMatchObject({ status: 'unhealthy', reason: expect.stringMatching(/3 sandbox self-tests failed/) });
    } finally {
      renameSync(`${etc}.away`, etc);
    }
    await waitFor('/healthz to pass again', async () => (await healthz()) === 200);
    await waitFor('/readyz to pass again', async () => (await readyz()) === 200);
    // The failed compile was not kept: this one really compiles, and runs.
    const healed = await execute(program);
    expect(healed.compile?.status).toBeNull();
    expect(healed.compile?.cached).toBe(false);
    expect(healed.run.stdout).toBe('compiled\n');
    expect((await execute(program)).compile?.cached).toBe(true);
  }, 120_000);
});
