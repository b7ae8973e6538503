import { parseSubmission, type SubmissionRecord } from '../src/judge0/submission.ts';

/** A queued Python submission as the routes would store it, with small fixed settings. */
export function testRecord(source: string): SubmissionRecord {
  const languages = new Map([[71, { id: 71, name: 'Python', runtime: {} as never }]]);
  const parsed = parseSubmission(
    { source_code: source, language_id: 71 },
    {
      base64: false,
      languages,
      settings: {
        bounds: {
          number_of_runs: { default: 1, min: 0, max: 20 },
          cpu_time_limit: { default: 1, min: 0, max: 3 },
          cpu_extra_time: { default: 1, min: 0, max: 3 },
          wall_time_limit: { default: 1, min: 0, max: 3 },
          memory_limit: { default: 4096, min: 0, max: 9999 },
          stack_limit: { default: 0, min: 0, max: 9999 },
          max_processes_and_or_threads: { default: 1, min: 0, max: 9 },
          max_file_size: { default: 1, min: 0, max: 9 },
        },
        maxQueueSize: 10,
        maxBatchSize: 20,
        allowEnableNetwork: false,
      },
    },
  );
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors));
  return parsed.record;
}
