import type { LimitSet } from '@repo/runner-api';
import type { RunLimits } from '@repo/sandbox';
import { limitBounds } from '@repo/sandbox/limits';
import { ClientError } from '../errors.ts';
import { type PreparedFile, prepareFiles } from '../executor.ts';
import type { LanguageRuntime } from '../languages.ts';
import { resolveLimits } from '../limits.ts';
import type { RunnerApi } from '../runner.ts';
import { type AdditionalFile, AdditionalFilesError, unpackAdditionalFiles } from './additional-files.ts';
import { isMultiFileProgram, type Judge0Language } from './languages.ts';
import { judgeRun, type RunVerdict, Status, seconds } from './statuses.ts';
import { noOutput, type SubmissionRecord, type SubmissionResult, stripShellCharacters } from './submission.ts';

/** Words of a command line as bash would split them (quotes and backslashes; no expansion). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\'.includes(line[i + 1] as string)) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || word) words.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
    }
  }
  if (started || word) words.push(word);
  return words;
}

/** The runtime a submission runs with: its compiler options after the compile command, stderr into stdout if asked. */
export function runtimeFor(record: SubmissionRecord, runtime: LanguageRuntime): LanguageRuntime {
  const options = record.compiler_options ? splitWords(stripShellCharacters(record.compiler_options)) : [];
  const spec = { ...runtime.spec };
  if (options.length > 0 && spec.compile) spec.compile = [...spec.compile, ...options];
  if (record.redirect_stderr_to_stdout) {
    const [first, ...rest] = spec.run;
    // isolate's --stderr-to-stdout: one stream, in the order the program wrote it.
    spec.run = ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', runtime.tools[first ?? ''] ?? first ?? '', ...rest];
  }
  return spec === runtime.spec ? runtime : { ...runtime, spec };
}

/** What a submission's box holds and runs: the runtime, the files (the main one first) and the arguments. */
export interface SubmissionBox {
  runtime: LanguageRuntime;
  files: PreparedFile[];
  args: string[];
}

/**
 * The box of a submission as isolate_job.rb fills it. The source file is written first, then the additional files
 * are extracted around it with `unzip -n`, which never replaces a file: one named like the source file (or inside
 * it) is left out. Only the source file is compiled, as Judge0's compile_cmd names it alone. A multi-file program
 * has no source file and no arguments (Judge0 runs `/bin/bash run` as it is), and a compile stage
 * (`/bin/bash compile`) only when the archive holds a `compile` file.
 */
export function submissionBox(
  record: SubmissionRecord,
  language: Judge0Language,
  additional: readonly AdditionalFile[],
): SubmissionBox {
  const base = language.runtime;
  if (isMultiFileProgram(language)) {
    const compiles = additional.some((file) => file.name === 'compile');
    const runtime = compiles ? { ...base, spec: { ...base.spec, compile: ['bash', 'compile'] } } : base;
    return { runtime: runtimeFor(record, runtime), files: [...additional], args: [] };
  }
  const runtime = runtimeFor(
    record,
    additional.length > 0 ? { ...base, spec: { ...base.spec, sourceExtensions: [] } } : base,
  );
  const [source] = prepareFiles(runtime, [{ content: record.source_code, encoding: 'base64' }]) as [PreparedFile];
  const beside = additional.filter((file) => file.name !== source.name && !file.name.startsWith(`${source.name}/`));
  const args = record.command_line_arguments ? splitWords(stripShellCharacters(record.command_line_arguments)) : [];
  return { runtime, files: [source, ...beside], args };
}

/** The run-stage limits of a submission (times in s, sizes in KB), within the server's maxima. */
export function runLimitsFor(record: SubmissionRecord, maxima: LimitSet): RunLimits {
  const cpuMs = record.cpu_time_limit * 1000;
  return {
    // isolate's -x: the program may run cpu_extra_time longer before it is killed, and is still judged TLE.
    cpuTimeMs:
      cpuMs > 0
        ? Math.max(1, Math.min(Math.round(cpuMs + record.cpu_extra_time * 1000), maxima.run_cpu_time))
        : maxima.run_cpu_time,
    wallTimeMs: Math.max(1, Math.min(Math.round(record.wall_time_limit * 1000), maxima.run_timeout)),
    memoryBytes: record.memory_limit * 1024,
    processes: record.max_processes_and_or_threads,
    fileSizeBytes: record.max_file_size * 1024,
    // isolate's -k: 0 is no stack limit, bounded there by the memory limit, as here. Below the sandbox's least
    // stack (8 MiB, what an exec's arguments need) a limit is raised to it.
    stackBytes: Math.max((record.stack_limit || record.memory_limit) * 1024, limitBounds.stackBytes.min),
    diskBytes: maxima.disk,
    openFiles: maxima.open_files,
    stdoutBytes: maxima.stdout,
    stderrBytes: maxima.stderr,
    network: record.enable_network,
  };
}

const decode = (text: string | null) => (text === null ? null : Buffer.from(text, 'base64').toString('utf8'));
const encode = (text: string | null) => (text === null ? null : Buffer.from(text, 'utf8').toString('base64'));

/** What became of a submission handed to a worker: its result, or back to the queue (not run: no box, shutdown). */
export type Outcome = { result: SubmissionResult } | { requeue: 'busy' | 'shutdown' };

export function failed(message: string): { result: SubmissionResult } {
  return {
    result: { ...noOutput, status_id: Status.boxerr, finished_at: new Date().toISOString(), message: encode(message) },
  };
}

/**
 * Runs a submission `number_of_runs` times through the runner (as isolate_job.rb's `perform`: stop at the first
 * run that is not Accepted; time and memory averaged over the runs, wall time of the last).
 */
export async function runSubmission(
  record: SubmissionRecord,
  language: Judge0Language | undefined,
  runner: RunnerApi,
  signal?: AbortSignal,
): Promise<Outcome> {
  if (!language) return failed(`language with id ${record.language_id} is no longer offered by this server`);
  let additional: AdditionalFile[] = [];
  if (record.additional_files) {
    try {
      // Checked against max_extract_size when it was submitted: here only the box's disk bounds it.
      additional = await unpackAdditionalFiles(record.additional_files, { maxExtractBytes: runner.maxima.disk });
    } catch (error) {
      if (error instanceof AdditionalFilesError) return failed(`additional_files ${error.message}`);
      throw error;
    }
  }
  const { runtime, files, args } = submissionBox(record, language, additional);
  const limits = { compile: resolveLimits({}, runner.maxima).compile, run: runLimitsFor(record, runner.maxima) };
  const stdin = Buffer.from(record.stdin ?? '', 'base64');
  const expectedOutput = decode(record.expected_output);
  const times: number[] = [];
  const memories: (number | null)[] = [];
  let last: RunVerdict | undefined;
  let compileOutput: string | null = null;
  for (let i = 0; i < record.number_of_runs; i++) {
    let result: Awaited<ReturnType<RunnerApi['execute']>>;
    try {
      result = await runner.execute({ runtime, files, stdin, args, limits, signal });
    } catch (error) {
      if (runner.shutdown.aborted || signal?.aborted) return { requeue: 'shutdown' };
      if (error instanceof ClientError && error.status === 503) return { requeue: 'busy' };
      if (error instanceof ClientError) return failed(error.message);
      throw error;
    }
    const compile = result.compile?.result;
    if (compile) {
      const output = compile.stdout + compile.stderr;
      compileOutput = output === '' ? null : output;
      if (compile.status === 'aborted') return { requeue: 'shutdown' };
      if (compile.status === 'internal') return failed('internal error');
      if (compile.status !== 'ok') {
        return {
          result: {
            ...noOutput,
            status_id: Status.ce,
            finished_at: new Date().toISOString(),
            compile_output: encode(compile.status === 'timeout' ? 'Compilation time limit exceeded.' : compileOutput),
          },
        };
      }
    }
    const run = result.run;
    if (!run) return failed('internal error');
    if (run.status === 'aborted') return { requeue: 'shutdown' };
    last = judgeRun(run, { expectedOutput, cpuTimeLimitMs: record.cpu_time_limit * 1000 });
    times.push(last.timeMs);
    memories.push(last.memoryKb);
    if (last.status_id !== Status.ac) break;
  }
  if (!last) return failed('no run');
  const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const measured = memories.filter((m): m is number => m !== null);
  return {
    result: {
      status_id: last.status_id,
      finished_at: new Date().toISOString(),
      stdout: encode(last.stdout),
      stderr: encode(last.stderr),
      compile_output: encode(compileOutput),
      message: encode(last.message),
      exit_code: last.exit_code,
      exit_signal: last.exit_signal,
      time: seconds(average(times)),
      wall_time: seconds(last.wallTimeMs),
      memory: measured.length === memories.length ? Math.trunc(average(measured)) : null,
    },
  };
}
