// What a request may ask, checked before anything runs: every constraint of the sandbox (and of the box's
// filesystem) is known here, so that a bad value is a 400 naming the field and the values allowed, never a 500
// from deep inside a run.
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import { ExecuteRequestSchema, type LimitSet } from '@repo/runner-api';
import { boxInodes, execStringProblem, maxArgBytes, maxArgs, maxExecBytes } from '@repo/sandbox/limits';
import type { PreparedFile } from '../executor.ts';
import { expandArgv, type LanguageRuntime } from '../languages.ts';
import {
  describeLimitRange,
  limitAllowed,
  limitRange,
  OutOfBoundsError,
  quoteValue,
  type RequestLimit,
  requestLimits,
} from '../limits.ts';

/** Files and directories the files of a request may make in the box (a box holds `boxInodes` in all). */
export const maxBoxEntries = 1000;
/** Linux's NAME_MAX: the longest name of one file or directory, in bytes. */
const maxNameBytes = 255;
/** tmpfs counts whole pages: a 1-byte file takes 4 KiB of the box's disk. */
const pageBytes = 4096;

// The run's program and the compiler need inodes of their own.
if (maxBoxEntries > boxInodes / 2) throw new Error('maxBoxEntries leaves the programs too few inodes of the box');

/** Why a file name cannot be made in the box although it stays inside it (see fileNameProblem), or null. */
export function fileNameBytesProblem(name: string): string | null {
  if (!name.isWellFormed()) return 'must be valid Unicode (it holds a lone surrogate)';
  const long = name.split('/').find((part) => Buffer.byteLength(part, 'utf8') > maxNameBytes);
  if (long !== undefined) return `must have no path segment longer than ${maxNameBytes} bytes (UTF-8)`;
  return null;
}

function limitSchema(key: RequestLimit, maxima: LimitSet) {
  const range = describeLimitRange(key, maxima);
  const error = (issue: { input?: unknown }) => `${range}, got ${quoteValue(issue.input)}`;
  const { min, max } = limitRange(key, maxima);
  return z
    .number({ error })
    .int({ error, abort: true })
    .refine((value) => limitAllowed(key, value, maxima), { error })
    .nullable()
    .optional()
    .openapi({
      description: `In ${requestLimits[key].unit}. Absent, null or 0: the server's default (its maximum); -1: the server's maximum; else from ${min} (the sandbox's minimum) to ${max}.`,
    });
}

/** The body of POST /api/v2/execute as this server accepts it: the contract's schema, bounded by `maxima` and the sandbox. */
export function executeRequestSchema(maxima: LimitSet) {
  // A new object of the contract's fields (not .extend(), which the OpenAPI document shows as allOf the contract).
  const { shape } = ExecuteRequestSchema.def;
  const error = ExecuteRequestSchema.def.error as z.core.$ZodErrorMap | undefined;
  return z
    .object(
      {
        ...shape,
        files: shape.files
          .superRefine((files, ctx) => {
            files.forEach((file, index) => {
              const problem = file.name === undefined ? null : fileNameBytesProblem(file.name);
              if (problem) {
                ctx.addIssue({
                  code: 'custom',
                  path: [index, 'name'],
                  message: `file name ${quoteValue(file.name)} ${problem}`,
                });
              }
            });
          })
          .openapi({
            description: `The first file is the main file. At most ${maxBoxEntries} files and directories in all (a name's directories count), each name segment at most ${maxNameBytes} bytes; each file at most the file size maximum, all of them (in whole ${pageBytes}-byte pages) within the disk maximum (see /api/v2/info).`,
          }),
        args: z
          .array(
            z.string({ error: 'an argument must be a string' }).superRefine((arg, ctx) => {
              const problem = execStringProblem(arg);
              if (problem) ctx.addIssue({ code: 'custom', message: `an argument ${problem}` });
            }),
            { error: '"args" must be an array of strings' },
          )
          .max(maxArgs, {
            error: (issue) =>
              `"args" must hold at most ${maxArgs} arguments, the language's own included, got ${(issue.input as unknown[]).length}`,
          })
          .optional()
          .openapi({
            description: `Arguments of the program: at most ${maxArgs} with the language's own, each without NUL and at most ${maxArgBytes} bytes (UTF-8).`,
          }),
        compile_timeout: limitSchema('compile_timeout', maxima),
        run_timeout: limitSchema('run_timeout', maxima),
        compile_cpu_time: limitSchema('compile_cpu_time', maxima),
        run_cpu_time: limitSchema('run_cpu_time', maxima),
        compile_memory_limit: limitSchema('compile_memory_limit', maxima),
        run_memory_limit: limitSchema('run_memory_limit', maxima),
      },
      { error },
    )
    .openapi('ExecuteRequest');
}

export interface ExecutionPlan {
  runtime: LanguageRuntime;
  files: readonly PreparedFile[];
  args: readonly string[];
  maxima: LimitSet;
  /** How the request names its files in messages: v2 `"files"` and `files[0].content`, v1 `"source"` and `source`. */
  fields: { files: string; file(index: number, part: 'name' | 'content'): string };
}

/**
 * Checks what only the runtime and the decoded files tell: the files against the box (names, entries, sizes),
 * the command lines against the sandbox's argv cap. Throws OutOfBoundsError.
 */
export function checkExecution(plan: ExecutionPlan): void {
  const { runtime, files, args, maxima, fields } = plan;
  const entries = new Set<string>();
  let diskBytes = 0;
  files.forEach((file, index) => {
    // A name derived from the source (Java's public class) was not checked with the request.
    const problem = fileNameBytesProblem(file.name);
    if (problem) {
      const field = fields.file(index, 'name');
      throw new OutOfBoundsError(field, `${field}: file name ${quoteValue(file.name)} ${problem}`);
    }
    for (let at = file.name.indexOf('/'); at !== -1; at = file.name.indexOf('/', at + 1)) {
      entries.add(file.name.slice(0, at));
    }
    entries.add(file.name);
    const bytes = file.content.length;
    if (bytes > maxima.file_size) {
      const field = fields.file(index, 'content');
      throw new OutOfBoundsError(
        field,
        `${field} must be at most ${maxima.file_size} bytes (the server's file size maximum), got ${bytes}`,
      );
    }
    diskBytes += Math.ceil(bytes / pageBytes) * pageBytes;
  });
  const filesField = fields.files;
  if (entries.size > maxBoxEntries) {
    throw new OutOfBoundsError(
      filesField,
      `${filesField} must make at most ${maxBoxEntries} files and directories in the box, got ${entries.size}`,
    );
  }
  if (diskBytes > maxima.disk) {
    throw new OutOfBoundsError(
      filesField,
      `${filesField} must fit in the box's ${maxima.disk} bytes (the server's disk maximum; each file takes whole ${pageBytes}-byte pages), got ${diskBytes}`,
    );
  }

  // The argv of each stage as the executor builds it: the main file, then the other source files.
  const main = files[0]?.name ?? runtime.spec.fileName;
  const sources = files
    .filter((file, index) => index === 0 || runtime.spec.sourceExtensions.includes(path.extname(file.name)))
    .map((file) => file.name);
  const context = { main, sources, memoryBytes: maxima.run_memory_limit };
  const run = expandArgv(runtime, runtime.spec.run, { ...context, args: [...args] });
  const { name } = runtime.spec;
  if (run.length > maxArgs) {
    const own = run.length - args.length;
    throw new OutOfBoundsError(
      'args',
      `"args" must hold at most ${maxArgs - own} arguments for ${name} (its command takes ${own} of the sandbox's ${maxArgs}), got ${args.length}`,
    );
  }
  // exec() takes the argv and the env together, each string with its NUL.
  const env = Object.entries(runtime.spec.env ?? {}).map(([key, value]) => `${key}=${value}`);
  const execBytes = (strings: readonly string[]) =>
    strings.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8') + 1, 0);
  if (execBytes([...run, ...env]) > maxExecBytes) {
    const asked = execBytes(args);
    const own = execBytes([...run, ...env]) - asked;
    throw new OutOfBoundsError(
      'args',
      `"args" must hold at most ${maxExecBytes - own} bytes in all for ${name} (UTF-8, one more per argument; its command and environment take ${own} of the sandbox's ${maxExecBytes}), got ${asked}`,
    );
  }
  if (runtime.spec.compile) {
    const compile = expandArgv(runtime, runtime.spec.compile, { ...context, args: [] });
    if (compile.length > maxArgs || execBytes([...compile, ...env]) > maxExecBytes) {
      throw new OutOfBoundsError(
        filesField,
        `${filesField}: ${sources.length} source files make a compile command for ${name} of ${compile.length} arguments and ${execBytes([...compile, ...env])} bytes with its environment, above the sandbox's ${maxArgs} and ${maxExecBytes}`,
      );
    }
  }
}
