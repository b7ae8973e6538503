import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CompileCache } from './compile-cache.ts';
import type { Pool } from './pool.ts';

export interface RunnerMetrics {
  executions: Counter<'language' | 'stage' | 'status'>;
  duration: Histogram<'language' | 'stage'>;
  rejected: Counter<'reason'>;
  /** Interactive sessions (/api/v2/connect) open now, each holding a box. */
  sessions: Gauge;
  /** Interactive sessions ended, by their WebSocket close code (4999 completed, 4001 no init, ...). */
  sessionsEnded: Counter<'code'>;
}

/** Executions by language and status, stage durations, and gauges read from the pool and the cache at scrape time. */
export function createMetrics(registry: Registry, sources: { pool: Pool; cache: CompileCache }): RunnerMetrics {
  const { pool, cache } = sources;
  new Gauge({
    name: 'code_runner_queue_length',
    help: 'Requests waiting for a box',
    registers: [registry],
    collect() {
      this.set(pool.queued);
    },
  });
  new Gauge({
    name: 'code_runner_boxes_busy',
    help: 'Boxes lent to a request or being emptied',
    registers: [registry],
    collect() {
      this.set(pool.busy);
    },
  });
  new Gauge({
    name: 'code_runner_boxes',
    help: 'Boxes in the pool',
    registers: [registry],
    collect() {
      this.set(pool.size - pool.broken);
    },
  });
  new Gauge({
    name: 'code_runner_compile_cache_bytes',
    help: 'Bytes of compiled programs kept in the compile cache',
    registers: [registry],
    collect() {
      this.set(cache.stats().bytes);
    },
  });
  new Counter({
    name: 'code_runner_compile_cache_hits_total',
    help: 'Compiles answered by the cache',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(cache.stats().hits);
    },
  });
  new Counter({
    name: 'code_runner_compile_cache_misses_total',
    help: 'Compiles that ran the compiler',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(cache.stats().misses);
    },
  });
  return {
    executions: new Counter({
      name: 'code_runner_executions_total',
      help: 'Stages run, by language, stage (compile, run) and status (ok, RE, SG, TO, OL, EL, ML, XX)',
      labelNames: ['language', 'stage', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'code_runner_execution_duration_seconds',
      help: 'Wall time of whole executions (stage "total", from the request to the answer) and of each stage',
      labelNames: ['language', 'stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'code_runner_rejected_total',
      help: 'Requests refused before running: busy (503), rate limited (429), invalid (4xx)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sessions: new Gauge({
      name: 'code_runner_sessions',
      help: 'Interactive sessions (WebSocket /api/v2/connect) open now; each holds a box',
      registers: [registry],
    }),
    sessionsEnded: new Counter({
      name: 'code_runner_sessions_ended_total',
      help: 'Interactive sessions ended, by WebSocket close code (4999 completed, 4000-4005 refused, 1001 shutdown, 1006 gone)',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
