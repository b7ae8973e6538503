import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, loadConfig } from '@repo/service';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** The environment variables of code-runner; every one optional. */
export const ConfigSchema = z.object({
  // 0 = any free port (tests).
  PORT: z.coerce
    .number({ error: 'expected a port number 0-65535' })
    .int({ error: 'expected a port number 0-65535' })
    .min(0, { error: 'expected a port number 0-65535' })
    .max(65535, { error: 'expected a port number 0-65535' })
    .default(10100),
  HOST: z.string().default('0.0.0.0'),
  NUM_RUNNERS: env.int(os.availableParallelism(), 1),
  QUEUE_TIMEOUT_MS: env.int(10_000, 0),
  MAX_QUEUE: env.int(100, 0),
  MAX_COMPILE_TIMEOUT_MS: env.int(10_000, 1),
  MAX_RUN_TIMEOUT_MS: env.int(3000, 1),
  MAX_COMPILE_CPU_TIME_MS: env.int(10_000, 1),
  MAX_RUN_CPU_TIME_MS: env.int(3000, 1),
  MAX_COMPILE_MEMORY_BYTES: env.int(512 * MiB, MiB),
  MAX_RUN_MEMORY_BYTES: env.int(256 * MiB, MiB),
  MAX_PROCESSES: env.int(64, 1),
  MAX_FILE_SIZE_BYTES: env.int(16 * MiB, 1),
  MAX_DISK_BYTES: env.int(64 * MiB, 1),
  MAX_OPEN_FILES: env.int(256, 16),
  MAX_OUTPUT_BYTES: env.int(64 * 1024, 1),
  COMPILE_CACHE_BYTES: env.int(256 * MiB, 0),
  /** Per uid unless root: a root instance's directory must not stop a non-root one on the same host. */
  WORK_DIR: z
    .string()
    .default(path.join(os.tmpdir(), process.getuid?.() === 0 ? 'code-runner' : `code-runner-${process.getuid?.()}`)),
  /** First uid of the per-box uids (when root); each code-runner process on the host takes the next free 1000. */
  SANDBOX_BASE_UID: env.int(60_000, 1000),
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
});
export type Config = z.infer<typeof ConfigSchema>;

/** Reads the configuration from the environment (or `vars`); throws ConfigError naming each bad variable. */
export function readConfig(vars: Record<string, string | undefined> = process.env): Config {
  return loadConfig(ConfigSchema, vars);
}
