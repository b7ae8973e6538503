import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { limitBounds } from '@repo/sandbox/limits';
import { env, loadConfig } from '@repo/service';
import { z } from 'zod';
import { parseCallbackAllow } from './judge0/callback.ts';

const MiB = 1024 * 1024;

/** A server maximum of a limit: a whole number that the sandbox accepts for `limit`, and at least `min`. */
function maximum(fallback: number, limit: keyof typeof limitBounds, min = limitBounds[limit].min) {
  const { max } = limitBounds[limit];
  const error =
    max === Number.MAX_SAFE_INTEGER
      ? `expected a whole number >= ${min}`
      : `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
}

/** The environment variables of code-runner; every one optional. */
export const ConfigSchema = z.object({
  PORT: env.port(10100),
  HOST: z.string().default('0.0.0.0'),
  NUM_RUNNERS: env.int(os.availableParallelism(), 1),
  QUEUE_TIMEOUT_MS: env.int(10_000, 0),
  MAX_QUEUE: env.int(100, 0),
  // The maxima are also the defaults: a request that names no limit gets them.
  MAX_COMPILE_TIMEOUT_MS: maximum(10_000, 'wallTimeMs'),
  MAX_RUN_TIMEOUT_MS: maximum(3000, 'wallTimeMs'),
  MAX_COMPILE_CPU_TIME_MS: maximum(10_000, 'cpuTimeMs'),
  MAX_RUN_CPU_TIME_MS: maximum(3000, 'cpuTimeMs'),
  MAX_COMPILE_MEMORY_BYTES: maximum(512 * MiB, 'memoryBytes'),
  MAX_RUN_MEMORY_BYTES: maximum(256 * MiB, 'memoryBytes'),
  MAX_PROCESSES: maximum(64, 'processes'),
  MAX_FILE_SIZE_BYTES: maximum(16 * MiB, 'fileSizeBytes', 1),
  MAX_DISK_BYTES: maximum(64 * MiB, 'diskBytes'),
  MAX_OPEN_FILES: maximum(256, 'openFiles'),
  MAX_OUTPUT_BYTES: maximum(64 * 1024, 'stdoutBytes', 1),
  /**
   * The wall-time limit of an interactive session's run stage (/api/v2/connect), and its maximum: a person
   * answers a program's questions far more slowly than MAX_RUN_TIMEOUT_MS allows. CPU time stays bounded by
   * MAX_RUN_CPU_TIME_MS, like every other limit of /execute.
   */
  SESSION_RUN_TIMEOUT_MS: maximum(5 * 60_000, 'wallTimeMs'),
  /** A session ends when neither side said anything for this long (no input, no output). */
  SESSION_IDLE_TIMEOUT_MS: env.int(120_000, 1000),
  COMPILE_CACHE_BYTES: env.int(256 * MiB, 0),
  /** Per uid unless root: a root instance's directory must not stop a non-root one on the same host. */
  WORK_DIR: z
    .string()
    .default(path.join(os.tmpdir(), process.getuid?.() === 0 ? 'code-runner' : `code-runner-${process.getuid?.()}`)),
  /** A prebuilt box-init (the sandbox's program parent); unset: built from its source with `cc` at the first start. */
  SANDBOX_INIT: z
    .string()
    .refine((file) => path.isAbsolute(file), { error: 'expected an absolute path' })
    .optional(),
  /** First uid of the per-box uids (when root); another code-runner process on the host takes the next free range. */
  SANDBOX_BASE_UID: env.int(60_000, 1000),
  /** Warm boxes (a long-lived sandbox per box whose init forks each run); false: a new sandbox per run. */
  SANDBOX_WARM: env.bool(true),
  /** Runs a warm box serves before it is rebuilt. */
  SANDBOX_RUNS_PER_BOX: env.int(500, 1),
  REQUIRE_ISOLATION: z
    .enum(['basic', 'namespaces', 'full'], { error: 'expected basic, namespaces or full' })
    .optional(),
  RUNNER_API_KEYS: env.list(),
  RATE_LIMIT_PER_MINUTE: env.int(0, 0),
  CORS_ORIGINS: env.list(),
  LOG_LEVEL: env.logLevel(),
  LOG_SOURCE: env.bool(false),
  /** Send a Server-Timing header with the phases of each execution (queue, write, cache/compile, run, ...). */
  SERVER_TIMING: env.bool(false),
  WEB_ROOT: z.string().default(fileURLToPath(new URL('../../runner-web/dist/', import.meta.url))),
  /** Judge0's API: the directory of its SQLite store (`judge0.sqlite`); default WORK_DIR; `:memory:` keeps nothing. */
  JUDGE0_DATA_DIR: z.string().optional(),
  /** Judge0's API: how long a finished submission is kept, in seconds (default 24 h). */
  RESULT_TTL: env.int(24 * 60 * 60, 1),
  /** Judge0's API: submissions waiting to run past which new ones are refused (503 "queue is full"). */
  MAX_QUEUE_SIZE: env.int(100, 0),
  /** Judge0's API: whether a submission may set `enable_network` (its runs then share the host's network). */
  JUDGE0_ALLOW_ENABLE_NETWORK: env.bool(false),
  /** Judge0's API: the most a submission's `additional_files` zip may inflate to, in KB (Judge0's MAX_EXTRACT_SIZE). */
  JUDGE0_MAX_EXTRACT_SIZE: env.int(10_240, 1),
  /**
   * Judge0's API: where a submission's `callback_url` may point (host names, `*.example.com`, IP addresses and CIDRs,
   * separated by commas). Empty: callbacks are refused. Loopback, link-local and metadata addresses only by a CIDR
   * that names them, whatever a listed name resolves to.
   */
  CALLBACK_ALLOW: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseCallbackAllow(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * Judge0's API on many replicas: the queue and the submissions live in this Redis (`redis://[user:pass@]host:port[/db]`,
   * `rediss://` for TLS) instead of the embedded SQLite, shared by every replica.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
  /** What every key this server keeps in Redis starts with (replicas of one deployment share it). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'expected 1 to 64 letters, digits, "_", "." or "-"')
    .default('code-runner'),
  /** With REDIS_URL: how long a run whose replica died waits before another replica takes it up again, ms. */
  JUDGE0_STALLED_MS: env.int(30_000, 1000),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Reads the configuration from the environment (or `vars`); throws ConfigError naming each bad variable. */
export function readConfig(vars: Record<string, string | undefined> = process.env): Config {
  return loadConfig(ConfigSchema, vars);
}
