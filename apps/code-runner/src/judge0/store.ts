import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { ownerTagAlive, ownTag } from '@repo/sandbox';
import { Status } from './statuses.ts';
import type { SubmissionRecord } from './submission.ts';

/**
 * Where Judge0 submissions live: a queue of those to run and the results of those that ran, kept for a time.
 * Asynchronous so that a shared store (Redis) can take the embedded one's place without the routes changing.
 */
export interface SubmissionStore {
  /** Queues new submissions (status 1), all or none. */
  add(records: readonly SubmissionRecord[]): Promise<void>;
  /** A submission by token; null when unknown or expired. */
  get(token: string): Promise<SubmissionRecord | null>;
  /** Submissions by token, in order, null for the unknown and expired. */
  getMany(tokens: readonly string[]): Promise<(SubmissionRecord | null)[]>;
  /** How many wait in the queue (status 1). */
  queued(): Promise<number>;
  /** Writes a finished submission (its result and status). */
  finish(record: SubmissionRecord): Promise<void>;
  /**
   * Removes the submissions that finished more than the retention time ago (and, where the store can tell,
   * puts back in the queue those whose process died while running them); how many went.
   */
  expire(): Promise<number>;
  close(): Promise<void>;
}

/** A store that is its own queue: the workers of one process take submissions from it. */
export interface ClaimingStore extends SubmissionStore {
  /** Takes the oldest queued submission and marks it Processing (status 2); null when none waits. */
  claim(): Promise<SubmissionRecord | null>;
  /** Puts a claimed submission back at its place in the queue (it was not run: no box, or a shutdown). */
  requeue(token: string): Promise<void>;
}

export interface SqliteStoreOptions {
  /** The database file, or `:memory:`. */
  file: string;
  /** How long a finished submission is kept, ms. */
  resultTtlMs: number;
  now?: () => number;
  /** Who claims here: `<pid>-<start time>` of this process (ownTag), and how to tell whether one still runs. */
  owner?: string;
  ownerAlive?: (owner: string) => boolean;
}

/**
 * Node's built-in SQLite, loaded when a store opens rather than when the server starts: Node 22.12 (the oldest
 * the engines allow) has it only behind --experimental-sqlite, and a server on Redis does not need it.
 */
function sqlite(): typeof import('node:sqlite') {
  const module = process.getBuiltinModule('node:sqlite');
  if (!module) {
    throw new Error(
      `Judge0's embedded store needs node:sqlite, which Node ${process.version} has only behind ` +
        '--experimental-sqlite: use Node 22.13 or later, set NODE_OPTIONS=--experimental-sqlite, or set REDIS_URL',
    );
  }
  return module;
}

interface Row {
  status_id: number;
  data: string;
}

/**
 * The store of one machine: one SQLite file (WAL), which several processes sharing a WORK_DIR may open. A claim
 * names its process; a submission left Processing by a process that died goes back to the queue when a store is
 * opened and at each sweep, so a restart (or a sibling) resumes it, and a live sibling's runs are left alone.
 */
export class SqliteSubmissionStore implements ClaimingStore {
  readonly #db: DatabaseSync;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #owner: string;
  readonly #ownerAlive: (owner: string) => boolean;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    if (options.file !== ':memory:') mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
    this.#db = new (sqlite().DatabaseSync)(options.file);
    this.#ttlMs = options.resultTtlMs;
    this.#now = options.now ?? Date.now;
    this.#owner = options.owner ?? ownTag;
    this.#ownerAlive = options.ownerAlive ?? ownerTagAlive;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS submissions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT NOT NULL UNIQUE,
        status_id INTEGER NOT NULL,
        finished_ms INTEGER,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS submissions_by_status ON submissions (status_id, seq);
      CREATE INDEX IF NOT EXISTS submissions_by_finish ON submissions (finished_ms);
    `);
    // Files of earlier versions: the claim's owner came later.
    const columns = this.#db.prepare('PRAGMA table_info(submissions)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'claimed_by')) {
      this.#db.exec('ALTER TABLE submissions ADD COLUMN claimed_by TEXT');
    }
    this.#recoverLost();
  }

  /** Puts back in the queue the submissions whose claiming process is gone; how many. */
  #recoverLost(): number {
    const claimed = this.#db
      .prepare('SELECT token, claimed_by FROM submissions WHERE status_id = ?')
      .all(Status.process) as { token: string; claimed_by: string | null }[];
    const requeue = this.#db.prepare(
      'UPDATE submissions SET status_id = ?, claimed_by = NULL WHERE token = ? AND status_id = ?',
    );
    let lost = 0;
    for (const { token, claimed_by: owner } of claimed) {
      // Ours are running here; a live sibling's too. A claim without an owner is an earlier version's.
      if (owner === this.#owner || (owner !== null && this.#ownerAlive(owner))) continue;
      lost += Number(requeue.run(Status.queue, token, Status.process).changes);
    }
    return lost;
  }

  #record(row: Row | undefined): SubmissionRecord | null {
    if (!row) return null;
    const record = JSON.parse(row.data) as SubmissionRecord;
    record.status_id = row.status_id;
    return record;
  }

  #expiredBefore(): number {
    return this.#now() - this.#ttlMs;
  }

  async add(records: readonly SubmissionRecord[]): Promise<void> {
    const insert = this.#db.prepare('INSERT INTO submissions (token, status_id, data) VALUES (?, ?, ?)');
    this.#db.exec('BEGIN');
    try {
      for (const record of records) insert.run(record.token, record.status_id, JSON.stringify(record));
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  async get(token: string): Promise<SubmissionRecord | null> {
    const row = this.#db
      .prepare('SELECT status_id, data FROM submissions WHERE token = ? AND (finished_ms IS NULL OR finished_ms >= ?)')
      .get(token, this.#expiredBefore()) as Row | undefined;
    return this.#record(row);
  }

  async getMany(tokens: readonly string[]): Promise<(SubmissionRecord | null)[]> {
    return Promise.all(tokens.map((token) => this.get(token)));
  }

  async queued(): Promise<number> {
    const row = this.#db.prepare('SELECT count(*) AS n FROM submissions WHERE status_id = ?').get(Status.queue) as {
      n: number;
    };
    return row.n;
  }

  async claim(): Promise<SubmissionRecord | null> {
    const row = this.#db
      .prepare(
        `UPDATE submissions SET status_id = ?, claimed_by = ?
         WHERE seq = (SELECT seq FROM submissions WHERE status_id = ? ORDER BY seq LIMIT 1)
         RETURNING status_id, data`,
      )
      .get(Status.process, this.#owner, Status.queue) as Row | undefined;
    return this.#record(row);
  }

  async finish(record: SubmissionRecord): Promise<void> {
    const finished = record.finished_at ? Date.parse(record.finished_at) : this.#now();
    this.#db
      .prepare('UPDATE submissions SET status_id = ?, finished_ms = ?, data = ?, claimed_by = NULL WHERE token = ?')
      .run(record.status_id, finished, JSON.stringify(record), record.token);
  }

  async requeue(token: string): Promise<void> {
    this.#db
      .prepare('UPDATE submissions SET status_id = ?, claimed_by = NULL WHERE token = ?')
      .run(Status.queue, token);
  }

  async expire(): Promise<number> {
    this.#recoverLost();
    const result = this.#db
      .prepare('DELETE FROM submissions WHERE finished_ms IS NOT NULL AND finished_ms < ?')
      .run(this.#expiredBefore());
    return Number(result.changes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
