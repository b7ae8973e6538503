import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startCodeRunner } from './testing.ts';

/** Pids of the processes whose environment holds `entry` (found through /proc, as the harness hides the child). */
async function pidsWithEnv(entry: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // A process may end while we look, and other users' environments are unreadable: both just do not match.
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(entry)) pids.push(Number(name));
  }
  return pids;
}

/** The error a start that must fail gave; a server that started anyway is stopped, and the test fails. */
async function failedStart(options: Parameters<typeof startCodeRunner>[0]): Promise<Error> {
  const outcome = await startCodeRunner(options).catch((e: unknown) => e as Error);
  if (outcome instanceof Error) return outcome;
  await outcome.stop();
  throw new Error(`code-runner started with ${JSON.stringify(options)}, expected it to fail`);
}

describe('startCodeRunner', () => {
  it('starts a real server that answers /healthz, and stop() ends it and removes its work dir', async () => {
    const server = await startCodeRunner({ env: { NUM_RUNNERS: '1' } });
    const marker = `WORK_DIR=${server.workDir}`;
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(existsSync(server.workDir)).toBe(true);
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      const languages = await fetch(`${server.url}/api/v1/languages`);
      expect(((await languages.json()) as { languages: string[] }).languages).toContain('python3');
      expect((await pidsWithEnv(marker)).length).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.workDir)).toBe(false);
    expect(await pidsWithEnv(marker)).toEqual([]);
    const after = await fetch(`${server.url}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).toBe('refused');
    // A second stop is harmless (afterAll hooks may run after a test already stopped the server).
    await server.stop();
  });

  it('says why when the server exits before it is ready, quoting its output', async () => {
    const error = await failedStart({ env: { NUM_RUNNERS: 'many' } });
    expect(error.message).toMatch(/^code-runner exited \(1\) before it was ready/);
    expect(error.message).toMatch(/NUM_RUNNERS: expected a whole number/);
  });

  it('gives up after readyWithinMs with the last answer of /readyz', async () => {
    const error = await failedStart({ readyWithinMs: 1 });
    expect(error.message).toMatch(
      /^code-runner was not ready at http:\/\/127\.0\.0\.1:\d+\/readyz within 1 ms \(last answer: /,
    );
  });
});
