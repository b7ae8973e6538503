import path from 'node:path';
import type { Logger } from '@repo/service';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { RunnerApi } from '../runner.ts';
import { sendCallback } from './callback.ts';
import { type Judge0Language, judge0Languages } from './languages.ts';
import { createRedisJudge0 } from './redis.ts';
import { failed, type Outcome, runSubmission } from './run.ts';
import { defaultFields, serializeSubmission } from './serialize.ts';
import { SqliteSubmissionStore, type SubmissionStore } from './store.ts';
import { type Judge0Settings, judge0Settings, type SubmissionRecord } from './submission.ts';
import { type Judge0Workers, SubmissionWorkers } from './workers.ts';

/** Judge0's API behind the routes: its languages, settings, store and workers. */
export interface Judge0Service {
  languages: ReadonlyMap<number, Judge0Language>;
  settings: Judge0Settings;
  store: SubmissionStore;
  workers: Judge0Workers;
  resultTtlSeconds: number;
  /** Whether the store answers (Redis can be away; SQLite always answers). */
  ready(): Promise<boolean>;
  /** Stops the workers (runs in flight go back to the queue) and closes the store. */
  close(): Promise<void>;
}

export interface CreateJudge0Options {
  config: Config;
  runner: RunnerApi;
  logger: Logger;
  /** Another store; default: Redis with REDIS_URL, else SQLite in JUDGE0_DATA_DIR. */
  store?: SqliteSubmissionStore;
}

/** Where the embedded store lives: `JUDGE0_DATA_DIR` (`:memory:` for none), else beside the sandbox's instances. */
export function judge0DatabaseFile(config: Config): string {
  const dir = config.JUDGE0_DATA_DIR ?? config.WORK_DIR;
  return dir === ':memory:' ? dir : path.join(dir, 'judge0.sqlite');
}

/** The embedded backend: one SQLite file, its own queue, and a sweep of expired results. */
function sqliteBackend(
  store: SqliteSubmissionStore,
  options: {
    size: number;
    run: RunSubmission;
    onFinished: (record: SubmissionRecord) => void;
    logger: Logger;
    resultTtlSeconds: number;
  },
) {
  const { logger, resultTtlSeconds } = options;
  const workers = new SubmissionWorkers({ store, ...options });
  const sweep = () =>
    void store
      .expire()
      .then((removed) => removed > 0 && logger.info({ removed }, 'judge0 results expired'))
      .catch((error) => logger.error({ err: error }, 'judge0 expiry failed'));
  const sweeper = setInterval(sweep, Math.min(60_000, Math.max(1000, resultTtlSeconds * 250)));
  sweeper.unref();
  sweep();
  return {
    store,
    workers,
    ready: async () => true,
    close: async () => {
      clearInterval(sweeper);
      await workers.stop();
      await store.close();
    },
  };
}

/**
 * The callbacks of finished submissions, sent by the process that ran them: Judge0's PUT of the submission (the
 * default fields, base64), guarded by CALLBACK_ALLOW. Off the worker's path: a slow receiver holds no box.
 */
class Callbacks {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #languageName: (id: number) => string | null;

  constructor(config: Config, logger: Logger, languageName: (id: number) => string | null) {
    this.#config = config;
    this.#logger = logger;
    this.#languageName = languageName;
  }

  send(record: SubmissionRecord): void {
    const url = record.callback_url;
    if (!url) return;
    const body = serializeSubmission(record, defaultFields, true, this.#languageName);
    const sent = sendCallback(url, body, { allow: this.#config.CALLBACK_ALLOW, signal: this.#abort.signal }).then(
      (report) => {
        const fields = { token: record.token, callback: url, ...report };
        if (report.ok) this.#logger.debug(fields, 'judge0 callback sent');
        else this.#logger.warn(fields, 'judge0 callback failed');
      },
    );
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }

  /** Gives the callbacks on their way a few seconds, then stops them. */
  async close(graceMs = 5000): Promise<void> {
    const grace = setTimeout(() => this.#abort.abort(), graceMs);
    await Promise.allSettled([...this.#inFlight]);
    clearTimeout(grace);
  }
}

type RunSubmission = (record: SubmissionRecord) => Promise<Outcome>;

/**
 * Opens the store (a restart finds the queue and the kept results there: in SQLite on this machine, or in Redis
 * with REDIS_URL) and starts as many workers as the runner has boxes; all of it stops when the runner shuts down.
 */
export function createJudge0(options: CreateJudge0Options): Judge0Service {
  const { config, runner, logger } = options;
  const resultTtlSeconds = config.RESULT_TTL;
  const languages = new Map(judge0Languages(runner.runtimes).map((language) => [language.id, language]));
  const callbacks = new Callbacks(config, logger, (id) => languages.get(id)?.name ?? null);
  const common = {
    size: runner.info().pool.size,
    logger,
    // Never rejects: what the runner did not expect ends the submission as Internal Error, for both queues.
    run: (record: SubmissionRecord) =>
      runSubmission(record, languages.get(record.language_id), runner).catch((error: unknown) => {
        logger.error({ err: error, token: record.token }, 'judge0 submission failed');
        return failed('internal error');
      }),
    onFinished: (record: SubmissionRecord) => callbacks.send(record),
  };
  const backend =
    config.REDIS_URL && !options.store
      ? createRedisJudge0({
          ...common,
          url: config.REDIS_URL,
          prefix: config.REDIS_PREFIX,
          resultTtlMs: resultTtlSeconds * 1000,
          stalledMs: config.JUDGE0_STALLED_MS,
        })
      : sqliteBackend(
          options.store ??
            new SqliteSubmissionStore({ file: judge0DatabaseFile(config), resultTtlMs: resultTtlSeconds * 1000 }),
          { ...common, resultTtlSeconds },
        );
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= backend.close().then(() => callbacks.close());
    return closing;
  };
  if (runner.shutdown.aborted) void close();
  else {
    runner.shutdown.addEventListener('abort', () => void close(), { once: true });
    backend.workers.wake();
  }
  return {
    languages,
    settings: judge0Settings(runner.maxima, {
      maxQueueSize: config.MAX_QUEUE_SIZE,
      allowEnableNetwork: config.JUDGE0_ALLOW_ENABLE_NETWORK,
      maxExtractBytes: config.JUDGE0_MAX_EXTRACT_SIZE * 1024,
      callbackAllow: config.CALLBACK_ALLOW,
    }),
    store: backend.store,
    workers: backend.workers,
    resultTtlSeconds,
    ready: backend.ready,
    close,
  };
}

/**
 * Judge0's gauges, read at scrape time: the shared queue, this replica's runs, and whether the store answers (an
 * alert on Redis away; replicas stay ready, since /api/v1 and /api/v2 do not need it).
 */
export function judge0Metrics(registry: Registry, service: Judge0Service): void {
  new Gauge({
    name: 'code_runner_judge0_queued',
    help: "Judge0 submissions waiting to run (every replica's, with REDIS_URL)",
    registers: [registry],
    async collect() {
      this.set(await service.store.queued().catch(() => Number.NaN));
    },
  });
  new Gauge({
    name: 'code_runner_judge0_running',
    help: 'Judge0 submissions running in this replica',
    registers: [registry],
    collect() {
      this.set(service.workers.working);
    },
  });
  new Gauge({
    name: 'code_runner_judge0_store_up',
    help: "1 when Judge0's submission store answers (Redis with REDIS_URL, else SQLite)",
    registers: [registry],
    async collect() {
      this.set((await service.ready()) ? 1 : 0);
    },
  });
}
