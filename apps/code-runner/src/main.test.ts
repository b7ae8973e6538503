import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRunnerClient, RunnerBusyError } from '@repo/runner-api';
import { describe, expect, it } from 'vitest';
import { startServer } from '../test/server.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const appDir = fileURLToPath(new URL('..', import.meta.url));

describe('the server as a real process', () => {
  it('serves over HTTP, logs JSON without the source, aborts a run in flight on SIGTERM and exits 0', async () => {
    const server = await startServer(main, { NUM_RUNNERS: '1', QUEUE_TIMEOUT_MS: '200', MAX_QUEUE: '0' });
    try {
      const client = createRunnerClient({ baseUrl: server.baseUrl });
      const secret = 'print("top secret source 4711")';
      const res = await client.execute({ language: 'python', files: [{ content: secret }] });
      expect(res.run.stdout).toBe('top secret source 4711\n');
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);

      // The only box is busy: the client sees a typed busy error with Retry-After.
      const long = client.execute({ language: 'bash', files: [{ content: 'sleep 2.5' }] });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const busy = await client.execute({ language: 'bash', files: [{ content: 'true' }] }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(RunnerBusyError);
      expect((busy as RunnerBusyError).retryAfterSeconds).toBe(1);

      const code = await server.stop();
      expect(code).toBe(0);
      // The run in flight was cut short by the shutdown, not left to finish.
      const cut = await long.then(
        (r) => r.run.status,
        (e: unknown) => (e as Error).name,
      );
      expect(cut).not.toBeNull();
      const log = server.log();
      expect(log).toContain('"msg":"request"');
      expect(log).toContain('"requestId"');
      expect(log).not.toContain('top secret source');
      expect(log).toContain('"msg":"stopped"');
    } finally {
      await server.stop();
    }
  });

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const bad = await startServer(main, { NUM_RUNNERS: 'many' }).catch((e: unknown) => e as Error);
    expect(bad).toBeInstanceOf(Error);
    expect((bad as Error).message).toMatch(/NUM_RUNNERS: expected a whole number/);
  });

  it('builds into one file that starts', async () => {
    execFileSync('pnpm', ['run', 'build'], { cwd: appDir, stdio: 'pipe' });
    const bundle = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    expect(existsSync(bundle)).toBe(true);
    const server = await startServer(bundle, { NUM_RUNNERS: '1' });
    try {
      const res = await fetch(`${server.baseUrl}/api/v1/languages`);
      expect(((await res.json()) as { languages: string[] }).languages).toContain('python3');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
