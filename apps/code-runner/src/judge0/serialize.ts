import { ClientError } from '../errors.ts';
import { seconds, statusOf } from './statuses.ts';
import type { SubmissionRecord } from './submission.ts';

/** Every field of a submission (Judge0's SubmissionSerializer: the table's columns, `status` and `language`). */
export const submissionFields = [
  'source_code',
  'language_id',
  'stdin',
  'expected_output',
  'stdout',
  'status_id',
  'created_at',
  'finished_at',
  'time',
  'memory',
  'stderr',
  'token',
  'number_of_runs',
  'cpu_time_limit',
  'cpu_extra_time',
  'wall_time_limit',
  'memory_limit',
  'stack_limit',
  'max_processes_and_or_threads',
  'enable_per_process_and_thread_time_limit',
  'enable_per_process_and_thread_memory_limit',
  'max_file_size',
  'compile_output',
  'exit_code',
  'exit_signal',
  'message',
  'wall_time',
  'compiler_options',
  'command_line_arguments',
  'redirect_stderr_to_stdout',
  'callback_url',
  'additional_files',
  'enable_network',
  'status',
  'language',
] as const;

/** The fields answered when none are asked for (Judge0's default_fields). */
export const defaultFields = ['token', 'time', 'memory', 'stdout', 'stderr', 'compile_output', 'message', 'status'];

/** The `fields` parameter: a comma list, `*` for all, absent for the default ones; 400 naming the unknown. */
export function requestedFields(param: string | undefined): string[] {
  const asked = (param ?? '')
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
  if (asked.includes('*')) return [...submissionFields];
  const invalid = asked.filter((field) => !(submissionFields as readonly string[]).includes(field));
  if (invalid.length > 0) throw new ClientError(400, `invalid fields: [${invalid.join(', ')}]`, { reason: 'invalid' });
  return asked.length > 0 ? asked : defaultFields;
}

const base64Texts = new Set(['source_code', 'stdin', 'expected_output', 'stdout', 'stderr', 'compile_output']);
const decimals = new Set(['cpu_time_limit', 'cpu_extra_time', 'wall_time_limit']);

/** A submission as Judge0 answers it: `fields` only, texts base64 when `base64` (the message too). */
export function serializeSubmission(
  record: SubmissionRecord,
  fields: readonly string[],
  base64: boolean,
  languageName: (id: number) => string | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field === 'status') out.status = statusOf(record.status_id);
    else if (field === 'language') out.language = { id: record.language_id, name: languageName(record.language_id) };
    else if (field === 'additional_files') out.additional_files = record.additional_files ?? null;
    else if (base64Texts.has(field) || field === 'message') {
      const stored = record[field as keyof SubmissionRecord] as string | null;
      out[field] = stored === null || base64 ? stored : Buffer.from(stored, 'base64').toString('utf8');
    } else if (decimals.has(field)) {
      out[field] = seconds((record[field as keyof SubmissionRecord] as number) * 1000);
    } else {
      out[field] = record[field as keyof SubmissionRecord] ?? null;
    }
  }
  return out;
}
