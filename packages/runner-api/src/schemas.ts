import { z } from '@hono/zod-openapi';

// The schemas are the contract: code-runner builds its routes (and /openapi.json) from them, the
// web page and the CLI type their requests and check the answers with them.

// ---------------------------------------------------------------- v1: the original API

export const LanguagesV1ResponseSchema = z
  .object({
    languages: z.array(z.string()).openapi({ example: ['python3', 'nodejs', 'c++', 'go', 'bash', 'rust'] }),
  })
  .openapi('LanguagesV1Response');
export type LanguagesV1Response = z.infer<typeof LanguagesV1ResponseSchema>;

export const RunV1RequestSchema = z
  .object(
    {
      source: z
        .string({
          error: (issue) => (issue.input === undefined ? '"source" is required' : '"source" must be a string'),
        })
        .min(1, { error: '"source" must not be empty' })
        .openapi({ example: 'print("hello world")' }),
      language: z
        .string({
          error: (issue) => (issue.input === undefined ? '"language" is required' : '"language" must be a string'),
        })
        .min(1, { error: '"language" must not be empty' })
        .openapi({ example: 'python3' }),
    },
    { error: 'the body must be a JSON object with "source" and "language"' },
  )
  .openapi('RunV1Request');
export type RunV1Request = z.infer<typeof RunV1RequestSchema>;

export const RunV1ResponseSchema = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    error: z.string().openapi({
      description:
        '"" when the program exited 0; otherwise a short reason: `exit status N`, `signal: killed`, ' +
        '`time limit exceeded`, `memory limit exceeded`, `output limit exceeded`, or the compile failure.',
      example: '',
    }),
  })
  .openapi('RunV1Response');
export type RunV1Response = z.infer<typeof RunV1ResponseSchema>;

export const ErrorV1Schema = z
  .object({ error: z.string().openapi({ example: 'invalid language: [cobol] not currently supported' }) })
  .openapi('ErrorV1');
export type ErrorV1 = z.infer<typeof ErrorV1Schema>;

// ---------------------------------------------------------------- v2: Piston's API

export const RuntimeSchema = z
  .object({
    language: z.string().openapi({ example: 'python' }),
    version: z.string().openapi({ example: '3.11.2' }),
    aliases: z.array(z.string()).openapi({ example: ['py', 'python3'] }),
    runtime: z.string().optional().openapi({ description: 'The toolchain when it differs from the language.' }),
  })
  .openapi('Runtime');
export type Runtime = z.infer<typeof RuntimeSchema>;
export const RuntimesResponseSchema = z.array(RuntimeSchema).openapi('RuntimesResponse');

/** Why a file name is refused, or null: names stay inside the box (relative, no `..`, no NUL). */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 255) return 'must be at most 255 characters';
  if (name.includes('\0')) return 'must not contain NUL';
  if (name.startsWith('/')) return 'must be relative to the box, not absolute';
  const parts = name.split('/');
  if (parts.some((p) => p === '..')) return 'must not climb out of the box with ".."';
  if (parts.some((p) => p === '' || p === '.')) return 'must not contain empty or "." path segments';
  return null;
}

export const FileEncodingSchema = z.enum(['utf8', 'base64', 'hex'], {
  error: 'file "encoding" must be utf8, base64 or hex',
});
export type FileEncoding = z.infer<typeof FileEncodingSchema>;

export const ExecuteFileSchema = z
  .object(
    {
      name: z
        .string({ error: 'file "name" must be a string' })
        .superRefine((name, ctx) => {
          const problem = fileNameProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', message: `file name "${name}" ${problem}` });
        })
        .optional()
        .openapi({
          example: 'main.py',
          description: "Relative path inside the box; default: the language's usual name.",
        }),
      content: z
        .string({
          error: (issue) =>
            issue.input === undefined ? 'file "content" is required' : 'file "content" must be a string',
        })
        .openapi({ example: 'print("hello world")' }),
      encoding: FileEncodingSchema.optional().openapi({ description: 'How `content` is encoded (default utf8).' }),
    },
    { error: 'each file must be an object {name?, content, encoding?}' },
  )
  .openapi('ExecuteFile');
export type ExecuteFile = z.infer<typeof ExecuteFileSchema>;

// As Piston's clients send limits: absent, null or 0 = the default, -1 = the server maximum. The server checks
// the range (its maxima and the sandbox's minima, see /api/v2/info).
const limit = (what: string, unit: 'milliseconds' | 'bytes') =>
  z
    .number({ error: `"${what}" must be a number of ${unit}` })
    .int({ error: `"${what}" must be a whole number of ${unit}` })
    .refine((v) => v >= -1, { error: `"${what}" must be -1 (the maximum), 0 (the default) or more ${unit}` })
    .nullable()
    .optional()
    .openapi({ description: `${what} in ${unit}; absent, null or 0 = the default, -1 = the server maximum.` });
const ms = (what: string) => limit(what, 'milliseconds');
const bytes = (what: string) => limit(what, 'bytes');

export const ExecuteRequestSchema = z
  .object(
    {
      language: z
        .string({
          error: (issue) => (issue.input === undefined ? '"language" is required' : '"language" must be a string'),
        })
        .min(1, { error: '"language" must not be empty' })
        .openapi({ example: 'python' }),
      version: z
        .string({ error: '"version" must be a string' })
        .min(1, { error: '"version" must not be empty' })
        .optional()
        .openapi({ example: '*', description: 'Exact version, a semver range, or `*` (the default).' }),
      files: z
        .array(ExecuteFileSchema, {
          error: (issue) =>
            issue.input === undefined
              ? '"files" is required: [{name?, content, encoding?}]'
              : '"files" must be an array of {name?, content, encoding?}',
        })
        .min(1, { error: '"files" must hold at least one file (the first is the main file)' })
        .openapi({ description: 'The first file is the main file.' }),
      stdin: z.string({ error: '"stdin" must be a string' }).optional(),
      args: z.array(z.string(), { error: '"args" must be an array of strings' }).optional(),
      compile_timeout: ms('compile_timeout'),
      run_timeout: ms('run_timeout'),
      compile_cpu_time: ms('compile_cpu_time'),
      run_cpu_time: ms('run_cpu_time'),
      compile_memory_limit: bytes('compile_memory_limit'),
      run_memory_limit: bytes('run_memory_limit'),
    },
    { error: 'the body must be a JSON object with "language" and "files"' },
  )
  .openapi('ExecuteRequest');
export type ExecuteRequest = z.input<typeof ExecuteRequestSchema>;

export const StageStatusSchema = z.enum(['RE', 'SG', 'TO', 'OL', 'EL', 'XX', 'ML']).openapi('StageStatus', {
  description:
    'RE non-zero exit, SG killed by a signal, TO wall or CPU time, OL/EL stdout/stderr over the cap, ' +
    'XX internal error, ML memory over the limit (beyond Piston).',
});
export type StageStatus = z.infer<typeof StageStatusSchema>;

export const StageSchema = z
  .object({
    stdout: z.string(),
    stderr: z.string(),
    output: z.string().openapi({ description: 'stdout then stderr.' }),
    code: z.number().int().nullable().openapi({ description: 'Exit code; null when killed by a signal.' }),
    signal: z.string().nullable().openapi({ example: 'SIGKILL' }),
    message: z.string().nullable().openapi({ description: 'Why the stage ended badly, for people.' }),
    status: StageStatusSchema.nullable(),
    cpu_time: z.number().nullable().openapi({ description: 'CPU time in ms; null where unmeasurable.' }),
    wall_time: z.number().openapi({ description: 'Wall time in ms (0 for a cached compile).' }),
    memory: z.number().nullable().openapi({ description: 'Peak memory in bytes; null where unmeasurable.' }),
    cached: z
      .boolean()
      .optional()
      .openapi({ description: 'Compile stage only, beyond Piston: true when the compile cache answered.' }),
  })
  .openapi('Stage');
export type Stage = z.infer<typeof StageSchema>;

export const ExecuteResponseSchema = z
  .object({
    language: z.string(),
    version: z.string(),
    run: StageSchema,
    compile: StageSchema.optional().openapi({ description: 'Present for compiled languages only.' }),
  })
  .openapi('ExecuteResponse');
export type ExecuteResponse = z.infer<typeof ExecuteResponseSchema>;

export const ErrorV2Schema = z
  .object({ message: z.string().openapi({ example: 'python-9.9.9 runtime is unknown' }) })
  .openapi('ErrorV2');
export type ErrorV2 = z.infer<typeof ErrorV2Schema>;

const LimitSetSchema = z
  .object({
    compile_timeout: z.number(),
    run_timeout: z.number(),
    compile_cpu_time: z.number(),
    run_cpu_time: z.number(),
    compile_memory_limit: z.number(),
    run_memory_limit: z.number(),
    processes: z.number(),
    file_size: z.number(),
    disk: z.number(),
    open_files: z.number(),
    stdout: z.number(),
    stderr: z.number(),
  })
  .openapi('LimitSet', { description: 'Times in ms, sizes in bytes.' });
export type LimitSet = z.infer<typeof LimitSetSchema>;

export const IsolationLevelSchema = z.enum(['basic', 'namespaces', 'full']);

export const InfoResponseSchema = z
  .object({
    isolation: z.object({
      level: IsolationLevelSchema,
      layers: z.record(z.string(), z.object({ available: z.boolean(), detail: z.string() })),
      cgroup: z.enum(['v1', 'v2']).nullable(),
      root: z.boolean(),
      box_path: z.string().nullable().optional().openapi({
        description: 'The box as programs see it: /box, or null without a mount namespace (its host path).',
      }),
      usage: z
        .object({
          memory: z.enum(['cgroup', 'rusage']).nullable(),
          cpu_time: z.enum(['cgroup', 'rusage', 'times']).nullable(),
        })
        .optional()
        .openapi({ description: "Where a run's memory and cpu_time come from: its cgroup, or the kernel's rusage." }),
      run_path: z
        .object({ kind: z.enum(['warm', 'cold']), detail: z.string() })
        .optional()
        .openapi({
          description:
            'How runs start: warm (forked by the init of a long-lived box into fresh namespaces) or cold (a new sandbox per run), and why.',
        }),
    }),
    limits: z.object({ defaults: LimitSetSchema, maxima: LimitSetSchema }),
    pool: z.object({
      size: z.number(),
      busy: z.number(),
      queued: z.number(),
      max_queue: z.number(),
      queue_timeout: z.number().openapi({ description: 'ms' }),
    }),
    compile_cache: z.object({
      entries: z.number(),
      bytes: z.number(),
      max_bytes: z.number(),
      hits: z.number(),
      misses: z.number(),
    }),
    versions: z.object({ server: z.string(), node: z.string() }),
    runtimes: z.array(RuntimeSchema),
  })
  .openapi('InfoResponse');
export type InfoResponse = z.infer<typeof InfoResponseSchema>;
