import path from 'node:path';
import type { Logger } from '@repo/service';
import type { Config } from '../config.ts';
import type { RunnerApi } from '../runner.ts';
import { type Judge0Language, judge0Languages } from './languages.ts';
import { runSubmission } from './run.ts';
import { SqliteSubmissionStore, type SubmissionStore } from './store.ts';
import { type Judge0Settings, judge0Settings } from './submission.ts';
import { SubmissionWorkers } from './workers.ts';

/** Judge0's API behind the routes: its languages, settings, store and workers. */
export interface Judge0Service {
  languages: ReadonlyMap<number, Judge0Language>;
  settings: Judge0Settings;
  store: SubmissionStore;
  workers: SubmissionWorkers;
  resultTtlSeconds: number;
  /** Stops the workers (runs in flight go back to the queue) and closes the store. */
  close(): Promise<void>;
}

export interface CreateJudge0Options {
  config: Config;
  runner: RunnerApi;
  logger: Logger;
  /** Another store (a shared one); default: SQLite in JUDGE0_DATA_DIR. */
  store?: SubmissionStore;
}

/** Where the embedded store lives: `JUDGE0_DATA_DIR` (`:memory:` for none), else beside the sandbox's instances. */
export function judge0DatabaseFile(config: Config): string {
  const dir = config.JUDGE0_DATA_DIR ?? config.WORK_DIR;
  return dir === ':memory:' ? dir : path.join(dir, 'judge0.sqlite');
}

/**
 * Opens the store (a restart finds the queue and the kept results there), starts as many workers as the runner
 * has boxes and the removal of expired results; all of it stops when the runner shuts down.
 */
export function createJudge0(options: CreateJudge0Options): Judge0Service {
  const { config, runner, logger } = options;
  const resultTtlSeconds = config.RESULT_TTL;
  const store =
    options.store ??
    new SqliteSubmissionStore({ file: judge0DatabaseFile(config), resultTtlMs: resultTtlSeconds * 1000 });
  const languages = new Map(judge0Languages(runner.runtimes).map((language) => [language.id, language]));
  const workers = new SubmissionWorkers({
    store,
    size: runner.info().pool.size,
    logger,
    run: (record) => runSubmission(record, languages.get(record.language_id), runner),
  });
  const sweep = () =>
    void store
      .expire()
      .then((removed) => removed > 0 && logger.info({ removed }, 'judge0 results expired'))
      .catch((error) => logger.error({ err: error }, 'judge0 expiry failed'));
  const sweeper = setInterval(sweep, Math.min(60_000, Math.max(1000, resultTtlSeconds * 250)));
  sweeper.unref();
  sweep();
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      await workers.stop();
      await store.close();
    })();
    return closing;
  };
  if (runner.shutdown.aborted) void close();
  else {
    runner.shutdown.addEventListener('abort', () => void close(), { once: true });
    workers.wake();
  }
  return {
    languages,
    settings: judge0Settings(runner.maxima, {
      maxQueueSize: config.MAX_QUEUE_SIZE,
      allowEnableNetwork: config.JUDGE0_ALLOW_ENABLE_NETWORK,
    }),
    store,
    workers,
    resultTtlSeconds,
    close,
  };
}
