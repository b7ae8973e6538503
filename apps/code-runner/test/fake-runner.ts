// A runner without a sandbox, for the tests of the routes: validation, error shapes, listings and /info answer
// in milliseconds. What runs programs is tested end to end with the real runner (harness.ts).
import type { IsolationReport, RunResult } from '@repo/sandbox';
import type { Readiness } from '@repo/service';
import type { Config } from '../src/config.ts';
import type { RejectionReason } from '../src/errors.ts';
import type { ExecutionJob, ExecutionResult } from '../src/executor.ts';
import { type LanguageRuntime, languageTable, type MissingLanguage } from '../src/languages.ts';
import { maximaFromConfig } from '../src/limits.ts';
import type { Lease } from '../src/pool.ts';
import type { RunnerApi } from '../src/runner.ts';

export interface FakeRunner extends RunnerApi {
  /** What requireLanguage() reads: nothing is missing, every language of the manifest is offered. */
  readonly missing: readonly MissingLanguage[];
  readonly isolation: IsolationReport;
  /** The jobs execute() was given, in order. */
  readonly jobs: ExecutionJob[];
  /** The reasons reject() counted, in order. */
  readonly rejected: RejectionReason[];
  /** Sessions open now, and the close codes of those that ended. */
  readonly sessions: { open: number; ended: number[] };
  /** Fires the shutdown signal. */
  close(): Promise<void>;
}

export interface FakeRunnerOptions {
  /** What execute() answers (or throws); by default each stage exits 0 without output. */
  execute?: (job: ExecutionJob) => Promise<ExecutionResult>;
  readiness?: Readiness;
}

/** Every runtime of the manifest as found on a host that has them all, each at version 1.0.0. */
export const fakeRuntimes: readonly LanguageRuntime[] = languageTable.map((spec) => ({
  spec,
  version: '1.0.0',
  tools: Object.fromEntries(Object.entries(spec.tools).map(([key, executable]) => [key, `/usr/bin/${executable}`])),
  readOnlyPaths: [],
}));

export const fakeIsolation: IsolationReport = {
  level: 'full',
  layers: {
    process: { available: true, detail: 'fake' },
    namespaces: { available: true, detail: 'fake' },
    cgroups: { available: true, detail: 'fake' },
    uid: { available: true, detail: 'fake' },
  },
  cgroup: 'v2',
  root: true,
  disk: 'tmpfs',
  boxPath: '/box',
  usage: { memory: 'cgroup', cpuTime: 'cgroup' },
  runPath: { kind: 'warm', detail: 'fake' },
};

/** A stage that exited 0 without output. */
export function okRun(overrides: Partial<RunResult> = {}): RunResult {
  return {
    status: 'ok',
    exitCode: 0,
    signal: null,
    timeout: null,
    outputLimit: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    wallTimeMs: 1,
    cpuTimeMs: 1,
    memoryBytes: 1024 * 1024,
    message: null,
    ...overrides,
  };
}

/** A RunnerApi over `config`'s maxima and pool size that runs nothing and records what the routes asked of it. */
export function createFakeRunner(config: Config, options: FakeRunnerOptions = {}): FakeRunner {
  const shutdown = new AbortController();
  const jobs: ExecutionJob[] = [];
  const rejected: RejectionReason[] = [];
  const sessions = { open: 0, ended: [] as number[] };
  const execute =
    options.execute ??
    (async (job: ExecutionJob): Promise<ExecutionResult> => {
      const run = okRun();
      return job.runtime.spec.compile ? { compile: { result: okRun(), cached: false }, run } : { run };
    });
  return {
    runtimes: fakeRuntimes,
    missing: [],
    isolation: fakeIsolation,
    maxima: maximaFromConfig(config),
    shutdown: shutdown.signal,
    jobs,
    rejected,
    sessions,
    async execute(job) {
      jobs.push(job);
      try {
        return await execute(job);
      } finally {
        job.lease?.release();
      }
    },
    async acquire(): Promise<Lease> {
      throw new Error('the fake runner has no boxes to lend');
    },
    info: () => ({
      isolation: fakeIsolation,
      pool: {
        size: config.NUM_RUNNERS,
        busy: 0,
        queued: 0,
        maxQueue: config.MAX_QUEUE,
        queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
      },
      cache: { entries: 0, bytes: 0, maxBytes: config.COMPILE_CACHE_BYTES, hits: 0, misses: 0 },
    }),
    reject: (reason) => rejected.push(reason),
    sessionOpened: () => sessions.open++,
    sessionEnded(code) {
      sessions.open--;
      sessions.ended.push(code);
    },
    readiness: () => options.readiness ?? { ready: true },
    liveness: () => ({ ready: true }),
    async close() {
      shutdown.abort(new Error('the server is shutting down'));
    },
  };
}
