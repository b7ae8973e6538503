// A real code-runner as a child process, for the tests of other apps (runner-cli, runner-web) that talk to it
// over HTTP. It lives here, beside main.ts, so that how the server is started is written down once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IsolationLevel, levelAtLeast } from '@repo/sandbox';
import {
  BrokenPromiseError,
  type Promises,
  promiseOfLevel,
  readPromises,
  type SkippableContext,
  skipOrFail as skipOrFailAs,
} from '@repo/sandbox/promises';

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
  /** The server process's pid. */
  pid: number;
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
  return { url, port, pid: child.pid as number, workDir, stop };
}

// What the machine promises. CI states what it provides (EXPECT_ISOLATION, EXPECT_LANGUAGES); a test
// that needs a missing layer or toolchain then fails instead of skipping. Without them (a developer's
// machine without root or without every compiler) it skips, saying why.

export { BrokenPromiseError, type Promises, promiseOfLevel, readPromises, type SkippableContext };
export type PromisedLevel = IsolationLevel;

/** The part of a running code-runner (its Runner) that says what it offers. */
export interface OfferedByRunner {
  runtimes: readonly { spec: { name: string } }[];
  missing: readonly { name: string; reason: string }[];
  isolation: { level: string; root: boolean; layers: Record<string, { available: boolean; detail: string }> };
}

/** skipOrFail of @repo/sandbox/promises, saying `[code-runner test]`. */
export function skipOrFail(ctx: SkippableContext, missing: string, promise: string | undefined): never {
  return skipOrFailAs(ctx, missing, promise, '[code-runner test]');
}

/** `EXPECT_LANGUAGES=…` when it lists `language`. */
export function promiseOfLanguage(language: string, promises = readPromises()): string | undefined {
  return promises.languages.includes(language) ? `EXPECT_LANGUAGES=${promises.languages.join(',')}` : undefined;
}

/** Goes on when the runner offers `language`; otherwise skips, or fails where it was promised. */
export function requireLanguage(
  ctx: SkippableContext,
  runner: Pick<OfferedByRunner, 'runtimes' | 'missing'>,
  language: string,
): void {
  if (runner.runtimes.some((r) => r.spec.name === language)) return;
  const reason = runner.missing.find((m) => m.name === language)?.reason ?? 'code-runner has no such language';
  skipOrFail(ctx, `${language} (${reason})`, promiseOfLanguage(language));
}

/** Goes on when the runner's sandbox gives programs their own uids (root at level full); otherwise skips or fails. */
export function requireBoxUids(ctx: SkippableContext, runner: OfferedByRunner): void {
  const uid = runner.isolation.layers.uid;
  if (uid?.available) return;
  // Only root can give per-box uids: as another user, the full level has none and nothing was promised.
  const promise = runner.isolation.root ? promiseOfLevel('full') : undefined;
  skipOrFail(ctx, `per-box uids (${uid?.detail ?? 'no uid layer'})`, promise);
}

/** Everything the environment promised that the runner lacks, one line each (empty when all is there). */
export function brokenPromises(runner: OfferedByRunner, promises = readPromises()): string[] {
  const broken: string[] = [];
  const promised = promises.isolation;
  const level = runner.isolation.level as PromisedLevel;
  if (promised !== undefined && !levelAtLeast(level, promised)) {
    const off = Object.entries(runner.isolation.layers)
      .filter(([, layer]) => !layer.available)
      .map(([name, layer]) => `${name}: ${layer.detail}`);
    broken.push(
      new BrokenPromiseError(`EXPECT_ISOLATION=${promised}`, `level ${promised}, got ${level} (${off.join('; ')})`)
        .message,
    );
  }
  for (const language of promises.languages) {
    if (runner.runtimes.some((r) => r.spec.name === language)) continue;
    const reason =
      runner.missing.find((m) => m.name === language)?.reason ??
      `code-runner has no such language (it knows ${[...runner.runtimes.map((r) => r.spec.name), ...runner.missing.map((m) => m.name)].join(', ')})`;
    broken.push(
      new BrokenPromiseError(`EXPECT_LANGUAGES=${promises.languages.join(',')}`, `${language} (${reason})`).message,
    );
  }
  return broken;
}
