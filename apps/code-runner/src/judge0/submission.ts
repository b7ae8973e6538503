import { randomUUID } from 'node:crypto';
import type { LimitSet } from '@repo/runner-api';
import {
  AdditionalFilesError,
  decodeArchive,
  defaultMaxExtractBytes,
  unpackAdditionalFiles,
} from './additional-files.ts';
import { type CallbackAllow, callbackUrlError, parseCallbackAllow } from './callback.ts';
import { isMultiFileProgram, type Judge0Language } from './languages.ts';
import { Status } from './statuses.ts';

/** A submission as stored: the request with its defaults, then its result. Texts are base64, as Judge0 keeps them. */
export interface SubmissionRecord {
  token: string;
  source_code: string;
  language_id: number;
  compiler_options: string | null;
  command_line_arguments: string | null;
  stdin: string | null;
  expected_output: string | null;
  number_of_runs: number;
  cpu_time_limit: number;
  cpu_extra_time: number;
  wall_time_limit: number;
  memory_limit: number;
  stack_limit: number;
  max_processes_and_or_threads: number;
  enable_per_process_and_thread_time_limit: boolean;
  enable_per_process_and_thread_memory_limit: boolean;
  max_file_size: number;
  redirect_stderr_to_stdout: boolean;
  enable_network: boolean;
  callback_url: string | null;
  /** The zip archive whose files join the box, base64 (Judge0 takes it base64 whatever `base64_encoded` says). */
  additional_files: string | null;
  status_id: number;
  created_at: string;
  finished_at: string | null;
  stdout: string | null;
  stderr: string | null;
  compile_output: string | null;
  message: string | null;
  exit_code: number | null;
  exit_signal: number | null;
  /** Seconds, as Judge0 writes them ("0.002"). */
  time: string | null;
  wall_time: string | null;
  /** KB. */
  memory: number | null;
}

/** The result part of a record, written when a submission finishes. */
export type SubmissionResult = Pick<
  SubmissionRecord,
  | 'status_id'
  | 'finished_at'
  | 'stdout'
  | 'stderr'
  | 'compile_output'
  | 'message'
  | 'exit_code'
  | 'exit_signal'
  | 'time'
  | 'wall_time'
  | 'memory'
>;

const noCallbacks = parseCallbackAllow(undefined);

/** A result's outputs and figures before (or without) a run: all null, as Judge0 leaves them. */
export const noOutput = Object.freeze({
  stdout: null,
  stderr: null,
  compile_output: null,
  message: null,
  exit_code: null,
  exit_signal: null,
  time: null,
  wall_time: null,
  memory: null,
} satisfies Omit<SubmissionResult, 'status_id' | 'finished_at'>);

/** A numeric setting of a submission: its default and the range a request may ask for. */
interface Bound {
  default: number;
  min: number;
  /** Whether `min` itself is refused (Rails' greater_than rather than greater_than_or_equal_to). */
  minExclusive?: boolean;
  max: number;
  /** Decimal (seconds) rather than integer (KB, counts). */
  decimal?: boolean;
}

/** What this server lets a Judge0 submission ask for: Judge0's defaults and maxima, within the server's own. */
export interface Judge0Settings {
  bounds: Record<NumericField, Bound>;
  maxQueueSize: number;
  allowEnableNetwork: boolean;
  maxBatchSize: number;
  /** The most bytes `additional_files` may inflate to (Judge0's `max_extract_size`); default 10240 KB. */
  maxExtractBytes?: number;
  /** Where a `callback_url` may point (CALLBACK_ALLOW); none allowed when absent. */
  callbackAllow?: CallbackAllow;
}

export const numericFields = [
  'number_of_runs',
  'cpu_time_limit',
  'cpu_extra_time',
  'wall_time_limit',
  'memory_limit',
  'stack_limit',
  'max_processes_and_or_threads',
  'max_file_size',
] as const;
export type NumericField = (typeof numericFields)[number];

/**
 * Judge0 CE's defaults and maxima (app/helpers/config.rb), each capped by this server's maxima for a run:
 * times in seconds, memory, stack and file size in KB; the extract size in bytes, within the box's disk.
 */
export function judge0Settings(
  maxima: LimitSet,
  options: {
    maxQueueSize: number;
    allowEnableNetwork: boolean;
    maxExtractBytes?: number;
    callbackAllow?: CallbackAllow;
  },
): Judge0Settings {
  const maxCpu = maxima.run_cpu_time / 1000;
  const maxWall = maxima.run_timeout / 1000;
  const maxMemory = Math.floor(maxima.run_memory_limit / 1024);
  const maxFile = Math.floor(maxima.file_size / 1024);
  return {
    bounds: {
      number_of_runs: { default: 1, min: 0, minExclusive: true, max: 20 },
      cpu_time_limit: { default: Math.min(5, maxCpu), min: 0, max: Math.min(15, maxCpu), decimal: true },
      cpu_extra_time: { default: Math.min(1, maxCpu), min: 0, max: Math.min(5, maxCpu), decimal: true },
      wall_time_limit: {
        default: Math.min(10, maxWall),
        min: Math.min(1, maxWall),
        max: Math.min(20, maxWall),
        decimal: true,
      },
      // The sandbox's smallest memory limit is 4 MiB (Judge0's is 2048 KB).
      memory_limit: { default: Math.min(128_000, maxMemory), min: 4096, max: Math.min(512_000, maxMemory) },
      stack_limit: { default: Math.min(64_000, maxMemory), min: 0, max: Math.min(128_000, maxMemory) },
      max_processes_and_or_threads: {
        default: Math.min(60, maxima.processes),
        min: 0,
        minExclusive: true,
        max: Math.min(120, maxima.processes),
      },
      max_file_size: { default: Math.min(1024, maxFile), min: 0, max: Math.min(4096, maxFile) },
    },
    maxQueueSize: options.maxQueueSize,
    allowEnableNetwork: options.allowEnableNetwork,
    maxBatchSize: 20,
    maxExtractBytes: Math.min(options.maxExtractBytes ?? defaultMaxExtractBytes, maxima.disk),
    callbackAllow: options.callbackAllow,
  };
}

/** A number as Rails writes a bound in its messages: decimals keep a ".0" ("15.0"), integers do not. */
function railsNumber(value: number, decimal?: boolean): string {
  const text = String(value);
  return decimal && !text.includes('.') ? `${text}.0` : text;
}

/** Validation failures by field, as Rails' `errors` renders them: `{"memory_limit": ["must be ..."]}`. */
export type FieldErrors = Record<string, string[]>;

const present = (value: unknown) => value !== undefined && value !== null && value !== '';

function toBoolean(value: unknown): boolean | null {
  if (value === undefined || value === null || value === '') return null;
  if (value === true || value === 'true' || value === '1' || value === 1 || value === 't') return true;
  return false;
}

function toText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : String(value);
}

/** `additional_files` as stored (base64 without line breaks), or why it is not base64. */
function storedArchive(value: unknown): { archive: string } | { problem: string } {
  try {
    return { archive: decodeArchive(toText(value) ?? '').toString('base64') };
  } catch (error) {
    if (error instanceof AdditionalFilesError) return { problem: error.message };
    throw error;
  }
}

/** Judge0's `gsub(/[$&;<>|`]/, "")` on compiler options and command-line arguments. */
export function stripShellCharacters(text: string): string {
  return text.trim().replace(/[$&;<>|`]/g, '');
}

export interface NewSubmission {
  record: SubmissionRecord;
  language: Judge0Language;
}

export interface ParseContext {
  base64: boolean;
  settings: Judge0Settings;
  languages: ReadonlyMap<number, Judge0Language>;
  now?: Date;
}

/**
 * A submission from a request's fields, with Judge0's defaults, or Judge0's validation errors (422). With
 * `base64`, `source_code`, `stdin` and `expected_output` arrive base64-encoded; `additional_files` always does.
 * The archive is not unpacked here: acceptSubmission() does that too.
 */
export function parseSubmission(input: unknown, context: ParseContext): NewSubmission | { errors: FieldErrors } {
  return parseFields(input, context).parsed;
}

/**
 * parseSubmission, then the archive of `additional_files` unpacked as a run will unpack it: 422
 * `{"additional_files": [why]}` when it cannot be (Judge0 itself finds out only in the box, and runs without
 * the files unzip refused). What the routes call: it is asynchronous, the archive is inflated.
 */
export async function acceptSubmission(
  input: unknown,
  context: ParseContext,
): Promise<NewSubmission | { errors: FieldErrors }> {
  const { parsed, archive } = parseFields(input, context);
  if (archive === null) return parsed;
  try {
    await unpackAdditionalFiles(archive, {
      maxExtractBytes: context.settings.maxExtractBytes ?? defaultMaxExtractBytes,
    });
    return parsed;
  } catch (error) {
    if (!(error instanceof AdditionalFilesError)) throw error;
    return { errors: { ...('errors' in parsed ? parsed.errors : {}), additional_files: [error.message] } };
  }
}

/** The submission or its errors, and the archive to unpack (null: none, or it is not even base64). */
function parseFields(
  input: unknown,
  context: ParseContext,
): { parsed: NewSubmission | { errors: FieldErrors }; archive: string | null } {
  const errors: FieldErrors = {};
  const add = (field: string, message: string) => {
    errors[field] ??= [];
    errors[field].push(message);
  };
  const body = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<
    string,
    unknown
  >;
  const encode = (value: unknown): string | null => {
    const text = toText(value);
    if (text === null) return null;
    return context.base64
      ? Buffer.from(text, 'base64').toString('base64')
      : Buffer.from(text, 'utf8').toString('base64');
  };

  let language: Judge0Language | undefined;
  let languageId = Number.NaN;
  if (present(body.language_id)) {
    languageId = Math.trunc(Number(body.language_id));
    language = context.languages.get(languageId);
  }
  // Judge0's is_project: the archive is the program, and there is no source file.
  const project = language !== undefined && isMultiFileProgram(language);
  const source = encode(body.source_code);
  if (project) {
    if (present(body.source_code)) add('source_code', 'must be blank');
  } else if (!present(body.source_code) || source === '') {
    add('source_code', "can't be blank");
  }
  let archive: string | null = null;
  if (present(body.additional_files)) {
    const stored = storedArchive(body.additional_files);
    if ('problem' in stored) add('additional_files', stored.problem);
    else archive = stored.archive;
  } else if (project) {
    add('additional_files', "can't be blank");
  }
  if (!present(body.language_id)) add('language_id', "can't be blank");
  else if (!language) {
    add('language_id', `language with id ${Number.isNaN(languageId) ? body.language_id : languageId} doesn't exist`);
  }

  const numbers = {} as Record<NumericField, number>;
  for (const field of numericFields) {
    const bound = context.settings.bounds[field];
    const raw = body[field];
    if (!present(raw)) {
      numbers[field] = bound.default;
      continue;
    }
    const value = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || (typeof raw === 'string' && raw.trim() === '')) {
      add(field, 'is not a number');
      continue;
    }
    const cast = bound.decimal ? value : Math.trunc(value);
    if (bound.minExclusive ? cast <= bound.min : cast < bound.min) {
      add(
        field,
        `must be greater than ${bound.minExclusive ? '' : 'or equal to '}${railsNumber(bound.min, bound.decimal)}`,
      );
    } else if (cast > bound.max) {
      add(field, `must be less than or equal to ${railsNumber(bound.max, bound.decimal)}`);
    }
    numbers[field] = cast;
  }

  for (const field of ['enable_per_process_and_thread_time_limit', 'enable_per_process_and_thread_memory_limit']) {
    if (toBoolean(body[field])) add(field, 'this option cannot be enabled');
  }
  const enableNetwork = toBoolean(body.enable_network) ?? false;
  if (enableNetwork && !context.settings.allowEnableNetwork) add('enable_network', 'enabling network is not allowed');
  const callbackUrl = present(body.callback_url) ? toText(body.callback_url) : null;
  if (callbackUrl !== null) {
    const problem = callbackUrlError(callbackUrl, context.settings.callbackAllow ?? noCallbacks);
    if (problem) add('callback_url', problem);
  }

  const compilerOptions = toText(body.compiler_options);
  if (compilerOptions !== null && compilerOptions.length > 512) {
    add('compiler_options', 'is too long (maximum is 512 characters)');
  } else if (present(compilerOptions) && language && !language.runtime.spec.compile) {
    add('compiler_options', 'setting compiler options is only allowed for compiled languages');
  }
  const args = toText(body.command_line_arguments);
  if (args !== null && args.length > 512) add('command_line_arguments', 'is too long (maximum is 512 characters)');

  if (Object.keys(errors).length > 0 || !language) return { parsed: { errors }, archive };
  return {
    archive,
    parsed: {
      language,
      record: {
        token: randomUUID(),
        source_code: source ?? '',
        language_id: languageId,
        compiler_options: compilerOptions,
        command_line_arguments: args,
        stdin: encode(body.stdin),
        expected_output: encode(body.expected_output),
        ...numbers,
        enable_per_process_and_thread_time_limit: false,
        enable_per_process_and_thread_memory_limit: false,
        redirect_stderr_to_stdout: toBoolean(body.redirect_stderr_to_stdout) ?? false,
        enable_network: enableNetwork,
        callback_url: callbackUrl,
        additional_files: archive,
        status_id: Status.queue,
        created_at: (context.now ?? new Date()).toISOString(),
        finished_at: null,
        ...noOutput,
      },
    },
  };
}

/** Judge0's `/config_info`: every key of Judge0's config (and of the official SDK's `Config` model), our values. */
export function configInfo(settings: Judge0Settings, options: { resultTtlSeconds: number }) {
  const b = settings.bounds;
  return {
    maintenance_mode: false,
    enable_wait_result: true,
    enable_compiler_options: true,
    allowed_languages_for_compile_options: [] as string[],
    enable_command_line_arguments: true,
    enable_submission_delete: false,
    enable_callbacks: settings.callbackAllow?.enabled ?? false,
    callbacks_max_tries: 3,
    callbacks_timeout: 5.0,
    enable_additional_files: true,
    max_queue_size: settings.maxQueueSize,
    cpu_time_limit: b.cpu_time_limit.default,
    max_cpu_time_limit: b.cpu_time_limit.max,
    cpu_extra_time: b.cpu_extra_time.default,
    max_cpu_extra_time: b.cpu_extra_time.max,
    wall_time_limit: b.wall_time_limit.default,
    max_wall_time_limit: b.wall_time_limit.max,
    memory_limit: b.memory_limit.default,
    max_memory_limit: b.memory_limit.max,
    stack_limit: b.stack_limit.default,
    max_stack_limit: b.stack_limit.max,
    max_processes_and_or_threads: b.max_processes_and_or_threads.default,
    max_max_processes_and_or_threads: b.max_processes_and_or_threads.max,
    enable_per_process_and_thread_time_limit: false,
    allow_enable_per_process_and_thread_time_limit: false,
    enable_per_process_and_thread_memory_limit: false,
    allow_enable_per_process_and_thread_memory_limit: false,
    max_file_size: b.max_file_size.default,
    max_max_file_size: b.max_file_size.max,
    number_of_runs: b.number_of_runs.default,
    max_number_of_runs: b.number_of_runs.max,
    redirect_stderr_to_stdout: false,
    /** KB, as Judge0 writes it. */
    max_extract_size: Math.floor((settings.maxExtractBytes ?? defaultMaxExtractBytes) / 1024),
    enable_batched_submissions: true,
    max_submission_batch_size: settings.maxBatchSize,
    submission_cache_duration: 0.0,
    use_docs_as_homepage: false,
    allow_enable_network: settings.allowEnableNetwork,
    enable_network: false,
    disable_implicit_base64_encoding: true,
    /** Beyond Judge0: how long a finished submission is kept, in seconds. */
    result_ttl: options.resultTtlSeconds,
  };
}
