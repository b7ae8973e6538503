import { ownTag } from '@repo/sandbox';
import type { Logger } from '@repo/service';
import { DelayedError, type Job, Queue, QueueEvents, WaitingError, Worker } from 'bullmq';
import { type ChainableCommander, Redis } from 'ioredis';
import { ClientError } from '../errors.ts';
import { failed, type Outcome } from './run.ts';
import { Status } from './statuses.ts';
import type { SubmissionStore } from './store.ts';
import type { SubmissionRecord } from './submission.ts';
import { FinishWaiters, type Judge0Workers } from './workers.ts';

/** The BullMQ queue of Judge0 submissions; each job is named by its submission's token. */
const queueName = 'judge0';

interface JobData {
  token: string;
}

// Each submission is a hash: `record` (its JSON) and `status` (its status id, which wins over the JSON's). A
// finished one (status 3 and up) is never written again, so a late write (a run given up on, another
// replica's verdict) cannot undo a result.

/**
 * Takes a queued submission to run: marks it Processing, by whom (ARGV[1], the process's `<pid>-<start time>`),
 * and answers its JSON; nil if finished. A run BullMQ gives back after its replica died stays Processing until
 * it is taken again: marking it In Queue from the stalled event would race with the next claim.
 */
const claimScript = `
local status = tonumber(redis.call('HGET', KEYS[1], 'status'))
if not status or status > 2 then return false end
redis.call('HSET', KEYS[1], 'status', 2, 'claimed_by', ARGV[1])
return redis.call('HGET', KEYS[1], 'record')
`;

/** Writes an unfinished submission (ARGV: JSON, status, ms to keep it or ''); 1 if written. */
const writeUnfinishedScript = `
local status = tonumber(redis.call('HGET', KEYS[1], 'status'))
if not status or status > 2 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

/** Sets the status from ARGV[1] to ARGV[2], only if it is ARGV[1]; 1 if set. */
const moveStatusScript = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
return 1
`;

type StoreRedis = Redis & {
  claimSubmission(key: string, owner: string): Promise<string | null>;
  writeUnfinished(key: string, json: string, status: number, ttlMs: string): Promise<number>;
  moveStatus(key: string, from: number, to: number): Promise<number>;
};

/** Runs a transaction; throws the first command's error (exec() answers them rather than rejecting). */
async function executed(multi: ChainableCommander): Promise<void> {
  const error = (await multi.exec())?.find(([e]) => e)?.[0];
  if (error) throw error;
}

function recordOf(json: string, status: string | null): SubmissionRecord {
  const record = JSON.parse(json) as SubmissionRecord;
  if (status !== null) record.status_id = Number(status);
  return record;
}

/**
 * Submissions in Redis, shared by every replica: one hash per token (finished ones expire after the retention
 * time, by Redis itself), queued through BullMQ.
 */
export class RedisSubmissionStore implements SubmissionStore {
  readonly #redis: StoreRedis;
  readonly #queue: Queue<JobData>;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, queue: Queue<JobData>, options: { prefix: string; resultTtlMs: number }) {
    redis.defineCommand('claimSubmission', { numberOfKeys: 1, lua: claimScript });
    redis.defineCommand('writeUnfinished', { numberOfKeys: 1, lua: writeUnfinishedScript });
    redis.defineCommand('moveStatus', { numberOfKeys: 1, lua: moveStatusScript });
    this.#redis = redis as StoreRedis;
    this.#queue = queue;
    this.#prefix = options.prefix;
    this.#ttlMs = options.resultTtlMs;
  }

  /** Redis away: the request gets a 503 that says so, soon, instead of waiting for it to come back. */
  async #reach<T>(operation: () => Promise<T>): Promise<T> {
    const away = (cause?: unknown) =>
      new ClientError(503, 'the submission store (Redis, REDIS_URL) does not answer; try again later', {
        reason: 'busy',
        headers: { 'Retry-After': '5' },
        cause,
      });
    if (this.#redis.status !== 'ready' && !(await this.#ready(1000))) throw away();
    try {
      return await operation();
    } catch (error) {
      if (this.#redis.status === 'ready') throw error;
      throw away(error);
    }
  }

  /** Whether the connection is (or within `ms` becomes) ready: at start-up, or back from a short outage. */
  #ready(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(done, ms, false);
      this.#redis.once('ready', onReady);
    });
  }

  #key(token: string): string {
    return `${this.#prefix}:judge0:submission:${token}`;
  }

  add(records: readonly SubmissionRecord[]): Promise<void> {
    return this.#reach(() => this.#add(records));
  }

  async #add(records: readonly SubmissionRecord[]): Promise<void> {
    const multi = this.#redis.multi();
    for (const record of records) {
      multi.hset(this.#key(record.token), 'record', JSON.stringify(record), 'status', record.status_id);
    }
    await executed(multi);
    try {
      await this.#queue.addBulk(
        records.map((record) => ({
          name: 'submission',
          data: { token: record.token },
          opts: { jobId: record.token, removeOnComplete: true, removeOnFail: true },
        })),
      );
    } catch (error) {
      // Not queued, so not kept: the client was told nothing but the error.
      await this.#redis.del(...records.map((record) => this.#key(record.token))).catch(() => {});
      throw error;
    }
  }

  async get(token: string): Promise<SubmissionRecord | null> {
    const [record] = await this.getMany([token]);
    return record ?? null;
  }

  async getMany(tokens: readonly string[]): Promise<(SubmissionRecord | null)[]> {
    if (tokens.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const token of tokens) pipeline.hmget(this.#key(token), 'record', 'status');
    const answers = await this.#reach(() => pipeline.exec());
    return (answers ?? []).map(([error, value]) => {
      if (error) throw error;
      const [json, status] = value as [string | null, string | null];
      return json === null ? null : recordOf(json, status);
    });
  }

  async queued(): Promise<number> {
    return this.#reach(() => this.#queue.getJobCountByTypes('waiting', 'prioritized', 'delayed'));
  }

  async finish(record: SubmissionRecord): Promise<void> {
    const key = this.#key(record.token);
    const status = String(record.status_id);
    await executed(
      this.#redis.multi().hset(key, 'record', JSON.stringify(record), 'status', status).pexpire(key, this.#ttlMs),
    );
  }

  /** Takes a submission to run (marks it Processing); null when it is unknown or has finished. */
  async claim(token: string): Promise<SubmissionRecord | null> {
    const json = await this.#redis.claimSubmission(this.#key(token), ownTag);
    return json === null ? null : recordOf(json, String(Status.process));
  }

  /** Writes a submission unless it has finished meanwhile; true when written. */
  async update(record: SubmissionRecord): Promise<boolean> {
    const ttl = record.status_id > Status.process ? String(this.#ttlMs) : '';
    const key = this.#key(record.token);
    return (await this.#redis.writeUnfinished(key, JSON.stringify(record), record.status_id, ttl)) === 1;
  }

  /** Puts a Processing submission back to In Queue (its run went back to the queue); true when it was Processing. */
  async requeue(token: string): Promise<boolean> {
    return (await this.#redis.moveStatus(this.#key(token), Status.process, Status.queue)) === 1;
  }

  /** Redis removes finished submissions itself (each has its expiry). */
  async expire(): Promise<number> {
    return 0;
  }

  /** The connections belong to the Redis backend, which closes them. */
  async close(): Promise<void> {}
}

export interface RedisJudge0Options {
  url: string;
  /** Every key and BullMQ queue this server keeps in Redis starts with this. */
  prefix: string;
  resultTtlMs: number;
  /** At most this many submissions run at once in this process (the runner's pool size). */
  size: number;
  /** Runs a submission; never rejects (a failure is an Internal Error outcome). */
  run: (record: SubmissionRecord) => Promise<Outcome>;
  /** Told of each submission this process finished (its callback is sent from here). */
  onFinished?: (record: SubmissionRecord) => void;
  logger: Logger;
  /**
   * How long a run may go without its process renewing its lock before another replica takes it up again
   * (BullMQ's lock duration and stalled check). A run lost twice is finished as Internal Error.
   */
  stalledMs: number;
  /** After a submission found no free box, it waits this long in the queue. Default 250 ms. */
  busyRetryMs?: number;
}

/**
 * The workers of one replica on the shared queue. BullMQ gives each run to one replica, keeps its lock while
 * it runs, and gives it to another when the lock lapses (its process died). Waiting for a submission hears
 * BullMQ's events from any replica, and looks at the store once a second in case an event was missed.
 */
export class RedisWorkers implements Judge0Workers {
  readonly size: number;
  readonly #options: RedisJudge0Options;
  readonly #store: RedisSubmissionStore;
  readonly #worker: Worker<JobData>;
  readonly #events: QueueEvents;
  readonly #waiters = new FinishWaiters();
  #working = 0;

  constructor(options: RedisJudge0Options, store: RedisSubmissionStore, connections: { worker: Redis; events: Redis }) {
    this.#options = options;
    this.size = options.size;
    this.#store = store;
    const { logger, prefix, stalledMs } = options;
    this.#worker = new Worker<JobData>(queueName, (job, token) => this.#process(job, token), {
      connection: connections.worker,
      prefix,
      concurrency: Math.max(1, options.size),
      lockDuration: stalledMs,
      stalledInterval: stalledMs,
      maxStalledCount: 1,
      autorun: options.size > 0,
    });
    this.#worker.on('error', (error) => logger.error({ err: error }, 'judge0 queue failed'));
    // A run lost more than once is failed by the worker that takes it next (BullMQ's deferred failure).
    this.#worker.on('failed', (job, error) => job && void this.#lost(job.data.token, error.message));
    this.#events = new QueueEvents(queueName, { connection: connections.events, prefix });
    this.#events.on('error', (error) => logger.error({ err: error }, 'judge0 queue events failed'));
    this.#events.on('completed', ({ jobId }) => this.#waiters.notify(jobId));
    this.#events.on('failed', ({ jobId, failedReason }) => void this.#lost(jobId, failedReason));
  }

  get working(): number {
    return this.#working;
  }

  /** BullMQ's workers are told of new jobs by Redis itself. */
  wake(): void {}

  finished(token: string, signal?: AbortSignal): Promise<void> {
    return this.#waiters.wait(token, signal, (done) => {
      const look = setInterval(() => {
        void this.#store.get(token).then(
          (record) => (record === null || record.status_id > Status.process) && done(),
          () => {},
        );
      }, 1000);
      look.unref();
      return () => clearInterval(look);
    });
  }

  async stop(): Promise<void> {
    await this.#worker.close();
    await this.#events.close();
  }

  async #process(job: Job<JobData>, lockToken?: string): Promise<void> {
    const { busyRetryMs = 250 } = this.#options;
    const record = await this.#store.claim(job.data.token);
    if (!record) return;
    this.#working++;
    try {
      const outcome = await this.#options.run(record);
      if ('requeue' in outcome) {
        await this.#store.requeue(record.token);
        if (outcome.requeue === 'busy') {
          await job.moveToDelayed(Date.now() + busyRetryMs, lockToken);
          throw new DelayedError();
        }
        await job.moveToWait(lockToken);
        throw new WaitingError();
      }
      const finished = { ...record, ...outcome.result };
      await this.#store.finish(finished);
      this.#options.onFinished?.(finished);
    } finally {
      this.#working--;
    }
  }

  /** A job BullMQ gave up on (its run was lost twice, or the store failed): its submission ends as Internal Error. */
  async #lost(token: string, reason: string): Promise<void> {
    try {
      const record = await this.#store.get(token);
      if (record && record.status_id <= Status.process) {
        const message =
          reason === 'job stalled more than allowable limit'
            ? 'the run was lost twice (the server running it stopped) and is not tried again'
            : reason;
        const { result } = failed(message);
        if (await this.#store.update({ ...record, ...result })) {
          this.#options.logger.warn({ token, reason }, 'judge0 submission lost');
        }
      }
    } catch (error) {
      this.#options.logger.error({ err: error, token }, 'judge0 store failed');
    }
    this.#waiters.notify(token);
  }
}

export interface RedisJudge0 {
  store: RedisSubmissionStore;
  workers: RedisWorkers;
  /** Whether Redis answers (a gauge for alerts). */
  ready(): Promise<boolean>;
  /** Stops the workers (runs in flight go back to the queue) and closes the connections. */
  close(): Promise<void>;
}

/** Connects to Redis (the connections retry for ever, as BullMQ needs) and starts this replica's workers. */
export function createRedisJudge0(options: RedisJudge0Options): RedisJudge0 {
  const { logger } = options;
  const connect = (name: string, maxRetriesPerRequest: number | null) => {
    const redis = new Redis(options.url, { maxRetriesPerRequest, connectionName: `code-runner-${name}` });
    // Once per outage, not once per reconnection attempt.
    let down = false;
    redis.on('error', (error) => {
      if (!down) logger.warn({ err: error, connection: name }, 'redis connection lost; reconnecting');
      down = true;
    });
    redis.on('ready', () => {
      if (down) logger.info({ connection: name }, 'redis connection back');
      down = false;
    });
    return redis;
  };
  // Requests use `main`: with Redis away their commands fail after two reconnection attempts (a 503) rather
  // than wait. BullMQ's worker and event connections wait for it to come back, as BullMQ requires.
  const main = connect('judge0', 2);
  const worker = connect('judge0-worker', null);
  const events = connect('judge0-events', null);
  const queue = new Queue<JobData>(queueName, { connection: main, prefix: options.prefix });
  queue.on('error', (error) => logger.error({ err: error }, 'judge0 queue failed'));
  const store = new RedisSubmissionStore(main, queue, options);
  const workers = new RedisWorkers(options, store, { worker, events });
  let closing: Promise<void> | undefined;
  return {
    store,
    workers,
    async ready() {
      // Commands wait for a lost connection to come back; a probe must not.
      const timeout = new Promise<false>((resolve) => setTimeout(resolve, 1000, false).unref());
      return Promise.race([
        main.ping().then(
          (answer) => answer === 'PONG',
          () => false,
        ),
        timeout,
      ]);
    },
    close() {
      closing ??= (async () => {
        await workers.stop();
        await queue.close();
        await Promise.allSettled([main, worker, events].map((redis) => redis.quit()));
      })();
      return closing;
    },
  };
}
