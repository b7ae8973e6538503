import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo's root, for paths that do not depend on the current directory. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (the OS picks it; there is a small window before the server takes it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

/** Starts the real code-runner (`node apps/code-runner/src/main.ts`) on a free port and waits until /readyz says ready. */
export async function startCodeRunner(
  env: Record<string, string> = {},
  readyWithinMs = 90_000,
): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A work directory of its own, so parallel test servers never share boxes; the per-box uids must reach it.
  const workDir = await mkdtemp(join(tmpdir(), 'code-runner-test-'));
  await chmod(workDir, 0o755);
  const child: ChildProcess = spawn(process.execPath, ['apps/code-runner/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', WORK_DIR: workDir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + readyWithinMs;
  let lastAnswer = '';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-runner exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderr}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      async (res) => (res.ok ? true : `${res.status} ${await res.text()}`),
      (error: Error) => error.message,
    );
    if (ready === true) break;
    lastAnswer = ready;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `code-runner was not ready at ${url}/readyz within ${readyWithinMs} ms (last answer: ${lastAnswer}):\n${stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
