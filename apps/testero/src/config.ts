import { statSync } from 'node:fs';
import { MAX_SIZE } from '@repo/chunks';
import { env, loadConfig } from '@repo/service';
import { z } from 'zod';

const bytes = z
  .string()
  .regex(/^\d+$/, { error: 'expected a whole number of bytes' })
  .transform(BigInt)
  .refine((n) => n <= MAX_SIZE, { error: `expected at most ${MAX_SIZE} bytes` });

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

export const configSchema = z
  .object({
    HIGHMEMLIM: bytes.optional(),
    HIGHFILELIM: bytes.optional(),
    DATADIR: z.string().default(process.cwd()).refine(isDirectory, { error: 'expected an existing directory' }),
    NUMTOFACTOR: z
      .string()
      .regex(/^\d+$/, { error: 'expected a whole number >= 2' })
      .transform(BigInt)
      .refine((n) => n >= 2n, { error: 'expected a whole number >= 2' })
      .default(493440589722494743501n),
    HOST: z.string().default('0.0.0.0'),
    // 0 picks a free port (tests); the port in use is logged.
    PORT: env.port(8080),
    FAILURE_DELAY_MS: env.int(1000, 0),
    TESTERO_TOKEN: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
  })
  .transform((e) => ({
    highMemLimit: e.HIGHMEMLIM,
    highFileLimit: e.HIGHFILELIM,
    dataDir: e.DATADIR,
    numberToFactor: e.NUMTOFACTOR,
    host: e.HOST,
    port: e.PORT,
    failureDelayMs: e.FAILURE_DELAY_MS,
    token: e.TESTERO_TOKEN,
    logLevel: e.LOG_LEVEL,
  }));

export type Config = z.infer<typeof configSchema>;

/** Reads testero's configuration from the environment; throws ConfigError naming each bad variable. */
export function readConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig(configSchema, environment);
}
