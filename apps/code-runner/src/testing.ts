// A real code-runner as a child process, for the tests of other apps (runner-cli, runner-web) that talk to it
// over HTTP. It lives here, beside main.ts, so that how the server is started is written down once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const mainEntry = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Lines of the server's output kept for error messages. */
const tailLines = 40;

export interface StartCodeRunnerOptions {
  /** Added to or overriding the server's environment (e.g. NUM_RUNNERS, MAX_QUEUE, WEB_ROOT). */
  env?: Record<string, string>;
  /** How long to wait for /readyz to answer 200; default 90 s (the first start checks every toolchain). */
  readyWithinMs?: number;
}

export interface RunningCodeRunner {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123. */
  url: string;
  port: number;
  /** The server's own WORK_DIR, removed by stop(). */
  workDir: string;
  /** SIGTERM, SIGKILL after 10 s, waits for the exit, then removes the work dir; safe to call twice. */
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

/** Starts `node apps/code-runner/src/main.ts` on a free loopback port with a work dir of its own and waits for /readyz. */
export async function startCodeRunner(options: StartCodeRunnerOptions = {}): Promise<RunningCodeRunner> {
  const readyWithinMs = options.readyWithinMs ?? 90_000;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A work directory of its own, so parallel test servers never share boxes; the per-box uids must reach it.
  const workDir = await mkdtemp(join(tmpdir(), 'code-runner-test-'));
  await chmod(workDir, 0o755);
  const child = spawn(process.execPath, [mainEntry], {
    cwd: appDir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORK_DIR: workDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Both streams: pino writes even a fatal start-up error to stdout, a crash's stack goes to stderr.
  let output = '';
  const keep = (text: string) => {
    output = (output + text).split('\n').slice(-tailLines).join('\n');
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const lastOutput = () => (output.trim() === '' ? ' none' : `\n${output}`);
  const exited = once(child, 'exit');
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (isRunning()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(workDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (!isRunning()) {
      await stop();
      throw new Error(
        `code-runner exited (${child.exitCode ?? child.signalCode}) before it was ready; its last output:${lastOutput()}`,
      );
    }
    const answer = await fetch(`${url}/readyz`).then(
      async (res) => (res.ok ? null : `${res.status} ${await res.text()}`),
      // fetch says only "fetch failed"; the cause says why (e.g. ECONNREFUSED while the server starts).
      (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
    );
    if (answer === null) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `code-runner was not ready at ${url}/readyz within ${readyWithinMs} ms (last answer: ${answer}); its last output:${lastOutput()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, port, workDir, stop };
}
