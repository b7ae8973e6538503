import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecuteRequest, ExecuteResponse } from '@repo/runner-api';
import { createLogger, createRegistry } from '@repo/service';
import { createApp } from '../src/app.ts';
import { type Config, readConfig } from '../src/config.ts';
import { createRunner, type Runner } from '../src/runner.ts';
import { createFakeRunner, type FakeRunner, type FakeRunnerOptions } from './fake-runner.ts';

export interface Harness<R = Runner> {
  app: ReturnType<typeof createApp>;
  runner: R;
  config: Config;
  /** POST a JSON value (or a raw string body) and return status, headers and parsed body. */
  post(url: string, body: unknown, init?: { raw?: boolean; headers?: Record<string, string> }): Promise<Answer>;
  get(url: string, headers?: Record<string, string>): Promise<Answer>;
  execute(request: ExecuteRequest): Promise<ExecuteResponse>;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are checked field by field
  body: any;
  text: string;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A real runner (real sandbox, real toolchains) and its app, with a private work directory. */
export async function createHarness(env: Record<string, string> = {}): Promise<Harness> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'code-runner-test-'));
  // The box uids must be able to reach their boxes below it.
  chmodSync(workDir, 0o711);
  const config = readConfig({ NUM_RUNNERS: '2', WORK_DIR: workDir, LOG_LEVEL: 'silent', ...env });
  const logger = createLogger({ name: 'code-runner-test', level: config.LOG_LEVEL });
  const registry = createRegistry();
  const runner = await createRunner({ config, logger, registry, selfTestIntervalMs: 0 });
  return harnessOf(config, runner, createApp({ config, runner, logger, registry }), async () => {
    await runner.close();
    rmSync(workDir, { recursive: true, force: true });
  });
}

/** The app over a fake runner (no sandbox, nothing runs): for the routes' own answers, in milliseconds. */
export function createFakeHarness(
  env: Record<string, string> = {},
  options: FakeRunnerOptions = {},
): Harness<FakeRunner> {
  const config = readConfig({
    NUM_RUNNERS: '2',
    WORK_DIR: os.tmpdir(),
    LOG_LEVEL: 'silent',
    // Judge0's store: nothing written to the shared temporary directory.
    JUDGE0_DATA_DIR: ':memory:',
    ...env,
  });
  const logger = createLogger({ name: 'code-runner-test', level: config.LOG_LEVEL });
  const runner = createFakeRunner(config, options);
  const app = createApp({ config, runner, logger, registry: createRegistry() });
  return harnessOf(config, runner, app, () => runner.close());
}

function harnessOf<R>(
  config: Config,
  runner: R,
  app: ReturnType<typeof createApp>,
  close: () => Promise<void>,
): Harness<R> {
  const harness: Harness<R> = {
    app,
    runner,
    config,
    async post(url, body, init = {}) {
      return answer(
        await app.request(url, {
          method: 'POST',
          body: init.raw ? (body as string) : JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...init.headers },
        }),
      );
    },
    async get(url, headers = {}) {
      return answer(await app.request(url, { headers }));
    },
    async execute(request) {
      const res = await harness.post('/api/v2/execute', request);
      if (res.status !== 200) throw new Error(`execute answered ${res.status}: ${res.text}`);
      return res.body as ExecuteResponse;
    },
    close,
  };
  return harness;
}

/** Runs `tasks` with at most `limit` at a time (the boxes of the pool), in order. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await (tasks[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}
