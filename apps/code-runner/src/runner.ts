import path from 'node:path';
import type { LimitSet } from '@repo/runner-api';
import { describeIsolation, type IsolationReport, Sandbox } from '@repo/sandbox';
import type { Logger, Readiness } from '@repo/service';
import type { Registry } from 'prom-client';
import { CompileCache, type CompileCacheStats } from './compile-cache.ts';
import type { Config } from './config.ts';
import type { RejectionReason } from './errors.ts';
import { type ExecutionJob, type ExecutionResult, Executor } from './executor.ts';
import { detectLanguages, type LanguageRuntime, languageTable, type MissingLanguage } from './languages.ts';
import { maximaFromConfig } from './limits.ts';
import { createMetrics, type RunnerMetrics } from './metrics.ts';
import { type Lease, Pool } from './pool.ts';
import { pistonStatus } from './stage.ts';

/** What /api/v2/info reports of the runner: the isolation in force, the pool and its queue, the compile cache. */
export interface RunnerInfo {
  isolation: IsolationReport;
  pool: { size: number; busy: number; queued: number; maxQueue: number; queueTimeoutMs: number };
  cache: CompileCacheStats;
}

/**
 * What the HTTP routes see of the runner: what it offers, running a job, its state, and the counts of what
 * they refuse or hold open. Route tests give the app a small fake of it (test/fake-runner.ts).
 */
export interface RunnerApi {
  readonly runtimes: readonly LanguageRuntime[];
  readonly maxima: LimitSet;
  /** Runs one job; aborted when the request's signal or the shutdown fires. */
  execute(job: ExecutionJob): Promise<ExecutionResult>;
  /** A box for a job to come (an interactive session holds it from its start): bounded wait, as execute()'s. */
  acquire(signal?: AbortSignal): Promise<Lease>;
  /** Fires when the server shuts down. */
  readonly shutdown: AbortSignal;
  info(): RunnerInfo;
  /** Counts a request refused before it ran (`code_runner_rejected_total`). */
  reject(reason: RejectionReason): void;
  /** An interactive session opened (it holds a box until it ends). */
  sessionOpened(): void;
  /** An interactive session ended, with its WebSocket close code. */
  sessionEnded(closeCode: number): void;
  readiness(): Readiness;
  /** Not alive once the sandbox failed `livenessFailures` self-tests in a row: only a restart can help. */
  liveness(): Readiness;
}

/** Everything that runs code, assembled once at start-up; the HTTP app sees only its RunnerApi. */
export interface Runner extends RunnerApi {
  readonly missing: readonly MissingLanguage[];
  readonly isolation: IsolationReport;
  /** The host uids the boxes' programs run as (when root), including the self-test box. */
  readonly boxUids: { first: number; last: number } | null;
  /** Host pids of the warm boxes' own processes (box uids too, alive between runs; none on the cold path). */
  residentPids(): Promise<number[]>;
  readonly pool: Pool;
  readonly cache: CompileCache;
  readonly metrics: RunnerMetrics;
  /** Aborts runs in flight, destroys the boxes, removes the cache and cgroups. */
  close(): Promise<void>;
}

export interface CreateRunnerOptions {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Re-run the sandbox self-test this often; /readyz fails while it fails. Default 60 s; 0 = only at start. */
  selfTestIntervalMs?: number;
  /**
   * While the self-test fails, and soon after a run ends as an internal error, test again this often. Default 5 s;
   * 0 = never (tests that break the sandbox on purpose and look at one answer).
   */
  selfTestRetryMs?: number;
  /** Consecutive failed self-tests after which /healthz fails, so that the server is restarted. Default 3. */
  livenessFailures?: number;
  /** Only these languages (by v2 name), e.g. in tests. */
  languages?: string[];
}

/** Detects the toolchains and the isolation, self-tests the sandbox, creates the boxes and the cache. */
export async function createRunner(options: CreateRunnerOptions): Promise<Runner> {
  const { config, logger } = options;
  if (config.NUM_RUNNERS > 900) throw new Error(`NUM_RUNNERS ${config.NUM_RUNNERS} is above the maximum of 900`);
  // Several code-runner processes may share a host and a WORK_DIR: the sandbox gives each its own instance
  // directory under boxes/ and claims a uid range no live sandbox holds (the next free one after
  // SANDBOX_BASE_UID). The toolchain copies are shared; they are written once, atomically.
  const [detected, sandbox] = await Promise.all([
    detectLanguages({ shareDir: path.join(config.WORK_DIR, 'toolchains') }),
    Sandbox.create({
      workRoot: path.join(config.WORK_DIR, 'boxes'),
      requireLevel: config.REQUIRE_ISOLATION,
      boxes: config.NUM_RUNNERS,
      baseUid: config.SANDBOX_BASE_UID,
      init: config.SANDBOX_INIT,
      warm: config.SANDBOX_WARM,
      runsPerBox: config.SANDBOX_RUNS_PER_BOX,
      // The configuration the toolchains read from /etc (R's, mono's...), copied into every box's /etc.
      etc: languageTable.flatMap((spec) => spec.etc ?? []),
    }),
  ]);
  logger.info({ baseUid: sandbox.baseUid, dir: sandbox.dir }, 'sandbox instance created');
  logger.info({ isolation: sandbox.isolation }, describeIsolation(sandbox.isolation));
  const runtimes = options.languages
    ? detected.available.filter((r) => options.languages?.includes(r.spec.name))
    : detected.available;
  // Every warm box binds the toolchains' own directories, so that every language's runs take the warm path.
  sandbox.setWarmPaths(runtimes.flatMap((runtime) => runtime.readOnlyPaths));
  for (const runtime of runtimes) {
    logger.info({ language: runtime.spec.name, version: runtime.version, tools: runtime.tools }, 'language available');
  }
  for (const missing of detected.missing) {
    logger.warn({ language: missing.name, reason: missing.reason }, 'language not offered');
  }

  let readiness: Readiness = { ready: false, reason: 'sandbox self-test not run yet' };
  // A sandbox that can no longer run anything (e.g. its uid out of processes) does not heal by itself: after
  // `livenessFailures` failed self-tests in a row the server says it is not alive, and is restarted.
  const retryMs = options.selfTestRetryMs ?? 5000;
  const livenessFailures = options.livenessFailures ?? 3;
  let failures = 0;
  let lastSelfTest = 0;
  let testing: Promise<void> | null = null;
  let retry: NodeJS.Timeout | undefined;
  const selfTest = () => {
    testing ??= (async () => {
      clearTimeout(retry);
      lastSelfTest = performance.now();
      try {
        await sandbox.selfTest();
        if (!readiness.ready) logger.info('sandbox self-test passed');
        readiness = { ready: true };
        failures = 0;
      } catch (error) {
        failures++;
        readiness = { ready: false, reason: `sandbox self-test failed: ${(error as Error).message}` };
        logger.error({ err: error, failures }, 'sandbox self-test failed');
        if (retryMs > 0 && !shutdown.signal.aborted) {
          retry = setTimeout(() => void selfTest(), retryMs);
          retry.unref();
        }
      }
    })().finally(() => {
      testing = null;
    });
    return testing;
  };
  /** A run ended as the sandbox's own failure: check the sandbox soon (at most once per retry period). */
  const suspect = () => {
    if (retryMs <= 0 || testing || shutdown.signal.aborted) return;
    clearTimeout(retry);
    retry = setTimeout(() => void selfTest(), Math.max(0, lastSelfTest + retryMs - performance.now()));
    retry.unref();
  };
  const shutdown = new AbortController();
  await selfTest();

  // In the sandbox's own directory: the cache empties its directory at start, so it must be this process's alone,
  // and it goes with the instance (close() or, after a crash, the next start's removal of dead instances).
  const cache = new CompileCache({
    dir: path.join(sandbox.dir, 'compile-cache'),
    maxBytes: config.COMPILE_CACHE_BYTES,
  });
  await cache.init();
  const pool = await Pool.create({
    sandbox,
    size: config.NUM_RUNNERS,
    maxQueue: config.MAX_QUEUE,
    queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
    logger,
  });
  const executor = new Executor({
    sandbox,
    pool,
    cache,
    logger,
    // Links are only safe when the program runs as a box uid that cannot write the server's files.
    linkCachedArtifacts: sandbox.isolation.root && sandbox.isolation.layers.uid.available,
  });
  const metrics = createMetrics(options.registry, { pool, cache });

  const interval = options.selfTestIntervalMs ?? 60_000;
  const timer = interval > 0 ? setInterval(() => void selfTest(), interval) : undefined;
  timer?.unref();

  return {
    runtimes,
    missing: detected.missing,
    isolation: sandbox.isolation,
    maxima: maximaFromConfig(config),
    boxUids: sandbox.isolation.root ? { first: sandbox.baseUid, last: sandbox.baseUid + config.NUM_RUNNERS } : null,
    residentPids: () => sandbox.residentPids(),
    pool,
    cache,
    metrics,
    acquire: (signal) => pool.acquire(signal ? AbortSignal.any([signal, shutdown.signal]) : shutdown.signal),
    shutdown: shutdown.signal,
    info: () => ({
      isolation: sandbox.isolation,
      pool: {
        size: pool.size,
        busy: pool.busy,
        queued: pool.queued,
        maxQueue: pool.maxQueue,
        queueTimeoutMs: pool.queueTimeoutMs,
      },
      cache: cache.stats(),
    }),
    reject: (reason) => metrics.rejected.inc({ reason }),
    sessionOpened: () => metrics.sessions.inc(),
    sessionEnded(closeCode) {
      metrics.sessions.dec();
      metrics.sessionsEnded.inc({ code: String(closeCode) });
    },
    async execute(job) {
      const language = job.runtime.spec.name;
      const signal = job.signal ? AbortSignal.any([job.signal, shutdown.signal]) : shutdown.signal;
      const started = performance.now();
      const result = await executor.execute({ ...job, signal });
      metrics.duration.observe({ language, stage: 'total' }, (performance.now() - started) / 1000);
      for (const [stage, run] of [
        ['compile', result.compile?.result],
        ['run', result.run],
      ] as const) {
        if (!run) continue;
        if (run.status === 'internal') suspect();
        metrics.executions.inc({ language, stage, status: pistonStatus(run) ?? 'ok' });
        if (!(stage === 'compile' && result.compile?.cached)) {
          metrics.duration.observe({ language, stage }, run.wallTimeMs / 1000);
        }
      }
      return result;
    },
    readiness() {
      if (shutdown.signal.aborted) return { ready: false, reason: 'shutting down' };
      if (pool.broken >= pool.size) return { ready: false, reason: 'no box is in service' };
      return readiness;
    },
    liveness() {
      if (failures < livenessFailures) return { ready: true };
      return { ready: false, reason: `${failures} sandbox self-tests failed in a row: ${readiness.reason ?? ''}` };
    },
    async close() {
      clearInterval(timer);
      clearTimeout(retry);
      shutdown.abort(new Error('the server is shutting down'));
      await pool.close();
      await cache.close();
      await sandbox.close();
    },
  };
}
