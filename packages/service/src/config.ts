import { z } from 'zod';

/** The environment did not parse. The message names every bad variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: readonly { variable: string; problem: string }[];
  constructor(issues: readonly { variable: string; problem: string }[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.problem}`).join('\n')}`);
    this.issues = issues;
  }
}

/** Parses the process environment once with a zod object schema whose keys are variable names. */
export function loadConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): z.infer<Schema> {
  // An empty variable counts as unset, as in most shells' `${X:-default}`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const value = present[variable];
      return { variable, problem: value === undefined ? issue.message : `${issue.message} (got "${value}")` };
    }),
  );
}

/** Environment helpers: each parses a string variable and says what it expects when it cannot. */
export const env = {
  /** A TCP port to listen on, 0-65535 (0: any free port, as tests use). */
  port: (fallback: number) => {
    const error = 'expected a port number 0-65535';
    return z.coerce.number({ error }).int({ error }).min(0, { error }).max(65535, { error }).default(fallback);
  },
  /** A whole number >= min. */
  int: (fallback: number, min = 0) =>
    z.coerce
      .number({ error: 'expected a whole number' })
      .int({ error: 'expected a whole number' })
      .min(min, { error: `expected a whole number >= ${min}` })
      .default(fallback),
  /** true/false, 1/0, yes/no. */
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /** A comma-separated list, empty items dropped. */
  list: () =>
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .optional(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
