import fs from 'node:fs/promises';
import path from 'node:path';
import type { ExecuteFile } from '@repo/runner-api';
import type { RunningProgram, RunResult, Sandbox, StdinSource } from '@repo/sandbox';
import type { Logger } from '@repo/service';
import { CompileCache, type CompileOutcome } from './compile-cache.ts';
import { ClientError } from './errors.ts';
import { expandArgv, expandEnv, type LanguageRuntime } from './languages.ts';
import type { StageLimits } from './limits.ts';
import type { Lease, Pool } from './pool.ts';
import type { PhaseTimer } from './timing.ts';

/** The files of a request cannot be used as they are; the message says why. */
export class BadFilesError extends ClientError {
  override name = 'BadFilesError';
  constructor(message: string) {
    super(400, message, { reason: 'invalid' });
  }
}

export interface PreparedFile {
  name: string;
  content: Buffer;
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
const hex = /^(?:[0-9a-fA-F]{2})*$/;

function decode(file: ExecuteFile, index: number): Buffer {
  const { content } = file;
  switch (file.encoding ?? 'utf8') {
    case 'base64':
      if (content.replace(/\s+/g, '').length % 4 !== 0 || !base64.test(content.replace(/\s+/g, ''))) {
        throw new BadFilesError(`files[${index}].content is not valid base64`);
      }
      return Buffer.from(content, 'base64');
    case 'hex':
      if (!hex.test(content)) throw new BadFilesError(`files[${index}].content is not valid hex (pairs of 0-9a-f)`);
      return Buffer.from(content, 'hex');
    default:
      return Buffer.from(content, 'utf8');
  }
}

/** Names and decodes the files of a request: the first is the main file, named like the language expects. */
export function prepareFiles(runtime: LanguageRuntime, files: readonly ExecuteFile[]): PreparedFile[] {
  const { spec } = runtime;
  const prepared = files.map((file, index): PreparedFile => {
    const content = decode(file, index);
    if (file.name !== undefined) return { name: file.name, content };
    if (index > 0) return { name: `file${index}.code`, content };
    const derived = spec.fileNameFromSource?.pattern.exec(content.toString('utf8'))?.[1];
    return { name: derived ? `${derived}${spec.fileNameFromSource?.suffix ?? ''}` : spec.fileName, content };
  });
  const seen = new Set<string>();
  for (const file of prepared) {
    if (seen.has(file.name)) throw new BadFilesError(`two files are named "${file.name}"; names must be unique`);
    seen.add(file.name);
  }
  // A file may not sit where another is used as a directory ("a" and "a/b").
  for (const name of seen) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (seen.has(prefix)) throw new BadFilesError(`"${prefix}" is both a file and the directory of "${name}"`);
    }
  }
  return prepared;
}

/** What an interactive session is told of a job as it runs (each stage's start, output and end). */
export interface StageEvents {
  /** A stage begins: `program` takes its signals (null: a compile the cache answers, nothing runs). */
  begin(stage: 'compile' | 'run', program: Pick<RunningProgram, 'kill'> | null): void;
  /** Output of the current stage as it comes (a cached compile's all at once). */
  output(stream: 'stdout' | 'stderr', text: string): void;
  end(stage: 'compile' | 'run', result: RunResult, cached?: boolean): void;
}

export interface ExecutionJob {
  runtime: LanguageRuntime;
  files: PreparedFile[];
  /** All of the run stage's input, or a stream of it (an interactive session's). */
  stdin: StdinSource;
  args: string[];
  limits: StageLimits;
  signal?: AbortSignal;
  /** Marks the phases of the request (queue, write, cache or compile, run) for Server-Timing. */
  timer?: PhaseTimer;
  /** A box lent already (a session holds one from its start); otherwise one is taken from the pool. Released at the end either way. */
  lease?: Lease;
  /** Told of each stage as it runs (interactive sessions). */
  events?: StageEvents;
}

export interface ExecutionResult {
  /** Present for compiled languages. */
  compile?: CompileOutcome;
  /** Null when the compile stage failed and the program was not run. */
  run: RunResult | null;
}

export interface ExecutorOptions {
  sandbox: Pick<Sandbox, 'start'>;
  pool: Pool;
  cache: CompileCache;
  logger: Logger;
  /** The box's files are hard-linked from the cache only when the code runs as another user than the server. */
  linkCachedArtifacts: boolean;
}

/** Runs one job: a box from the pool, the files, the compile stage (or the cache), the run stage; the box goes back. */
export class Executor {
  readonly #options: ExecutorOptions;

  constructor(options: ExecutorOptions) {
    this.#options = options;
  }

  async execute(job: ExecutionJob): Promise<ExecutionResult> {
    const { sandbox, pool, cache } = this.#options;
    const { runtime } = job;
    const { timer, events } = job;
    const lease = job.lease ?? (await pool.acquire(job.signal));
    timer?.mark('queue');
    try {
      const box = lease.box;
      for (const file of job.files) {
        if (file.name.includes('/')) {
          const target = path.join(box.dir, file.name);
          const made = await fs.mkdir(path.dirname(target), { recursive: true });
          // Directories the program may write into, like the box itself.
          if (made && box.uid !== null && box.gid !== null) {
            for (let dir = path.dirname(target); dir.length > box.dir.length; dir = path.dirname(dir)) {
              await fs.chown(dir, box.uid, box.gid);
            }
          }
        }
      }
      // wx: never write through anything already there (the box was emptied, so nothing is). All settle
      // before a failure is thrown, so no write can land in the box after it went back to be emptied.
      const written = await Promise.allSettled(
        job.files.map((file) => fs.writeFile(path.join(box.dir, file.name), file.content, { mode: 0o644, flag: 'wx' })),
      );
      for (const outcome of written) if (outcome.status === 'rejected') throw outcome.reason;
      timer?.mark('write');
      const main = job.files[0]?.name ?? runtime.spec.fileName;
      const sources = [
        main,
        ...job.files
          .map((f) => f.name)
          .filter((name) => name !== main && runtime.spec.sourceExtensions.includes(path.extname(name))),
      ];
      const common = {
        box,
        readOnlyPaths: runtime.readOnlyPaths,
        signal: job.signal,
        ...(events ? { onOutput: (stream: 'stdout' | 'stderr', text: string) => events.output(stream, text) } : {}),
      };
      const start = (stage: 'compile' | 'run', options: Parameters<Sandbox['start']>[0]) => {
        const program = sandbox.start(options);
        events?.begin(stage, program);
        return program.result;
      };

      let compile: CompileOutcome | undefined;
      const compileTemplate = runtime.spec.compile;
      if (compileTemplate) {
        const argv = expandArgv(runtime, compileTemplate, {
          main,
          sources,
          args: [],
          memoryBytes: job.limits.compile.memoryBytes,
        });
        const env = expandEnv(runtime, job.limits.compile.memoryBytes);
        const key = CompileCache.key(
          {
            language: runtime.spec.name,
            version: runtime.version,
            argv,
            env: env ?? {},
            limits: job.limits.compile,
          },
          job.files,
        );
        compile = await cache.compileInBox({
          key,
          boxDir: box.dir,
          ignore: runtime.spec.cacheIgnore,
          link: this.#options.linkCachedArtifacts,
          compile: () => start('compile', { ...common, argv, env, limits: job.limits.compile }),
        });
        timer?.mark(compile.cached ? 'cache' : 'compile');
        if (events && compile.cached) {
          events.begin('compile', null);
          if (compile.result.stdout) events.output('stdout', compile.result.stdout);
          if (compile.result.stderr) events.output('stderr', compile.result.stderr);
        }
        events?.end('compile', compile.result, compile.cached);
        this.#logInternal(compile.result, 'compile');
        if (compile.result.status !== 'ok') return { compile, run: null };
      }

      const argv = expandArgv(runtime, runtime.spec.run, {
        main,
        sources,
        args: job.args,
        memoryBytes: job.limits.run.memoryBytes,
      });
      const env = expandEnv(runtime, job.limits.run.memoryBytes);
      const run = await start('run', { ...common, argv, env, stdin: job.stdin, limits: job.limits.run });
      timer?.mark('run');
      events?.end('run', run);
      this.#logInternal(run, 'run');
      return compile ? { compile, run } : { run };
    } finally {
      lease.release();
    }
  }

  #logInternal(result: RunResult, stage: string): void {
    if (result.status === 'internal') {
      this.#options.logger.error({ stage, message: result.message }, 'sandbox internal error');
    }
  }
}
