import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  createRunnerClient,
  type ExecuteFile,
  type ExecuteRequest,
  type ExecuteResponse,
  RunnerBusyError,
  type RunnerClient,
  RunnerHttpError,
  RunnerProtocolError,
  RunnerUnreachableError,
} from '@repo/runner-api';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, exitCodeTable, outcomeOf } from './exit-codes.ts';
import {
  ConnectionLostError,
  InterruptedError,
  OutputClosedError,
  runInteractive,
  SessionEndedError,
  SessionRefusedError,
  type SignalSource,
} from './interactive.ts';
import { guessLanguage, languageByExtension, UnknownExtensionError } from './languages.ts';
import { OptionValueError, parseBytes, parseMilliseconds } from './units.ts';

export const DEFAULT_URL = 'http://localhost:10100';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** Aborts the request in flight (Ctrl-C). */
  signal?: AbortSignal;
  /** The signals sent to runner, which `run -i` forwards to the program (else `signal` ends the session). */
  signals?: SignalSource;
}

/** A usage problem found by our own checks (not commander's): exit code 2 with this message. */
class UsageError extends Error {
  override name = 'UsageError';
}

interface GlobalOptions {
  url: string;
  apiKey?: string;
  json?: boolean;
}

interface RunOptions {
  language?: string;
  langVersion: string;
  stdin?: string;
  timeout?: number;
  cpuTime?: number;
  memory?: number;
  compileTimeout?: number;
  compileMemory?: number;
  interactive?: boolean;
}

function argParser<T>(parse: (option: string, value: string) => T, option: string) {
  return (value: string): T => parse(option, value);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error);
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}

/** Files as the v2 API wants them: the first is the main file; binary files travel as base64. */
export async function filesFor(paths: string[]): Promise<ExecuteFile[]> {
  const seen = new Map<string, string>();
  const files: ExecuteFile[] = [];
  for (const path of paths) {
    const name = basename(path);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new UsageError(`${earlier} and ${path} would both be "${name}" in the box; rename one of them`);
    }
    seen.set(name, path);
    const content = await readSource(path);
    files.push(
      isUtf8(content)
        ? { name, content: content.toString('utf8') }
        : { name, content: content.toString('base64'), encoding: 'base64' },
    );
  }
  return files;
}

/** The deepest cause of a failed fetch, e.g. `connect ECONNREFUSED 127.0.0.1:10100`. */
function rootCause(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** One line for stderr and the exit code, for every error a command can end with. */
function describeError(error: unknown, url: string): { line: string; exitCode: number } | null {
  if (error instanceof UsageError || error instanceof UnknownExtensionError || error instanceof OptionValueError) {
    return { line: error.message, exitCode: ExitCode.usage };
  }
  if (error instanceof RunnerBusyError) {
    const retry = error.retryAfterSeconds === null ? '' : `; retry after ${error.retryAfterSeconds} s`;
    return { line: `the server at ${url} is busy (HTTP 503): ${error.message}${retry}`, exitCode: ExitCode.busy };
  }
  if (error instanceof RunnerHttpError) {
    if (error.status >= 500) {
      return {
        line: `the server at ${url} failed (HTTP ${error.status}): ${error.message}`,
        exitCode: ExitCode.serverError,
      };
    }
    const retry = error.retryAfterSeconds === null ? '' : `; retry after ${error.retryAfterSeconds} s`;
    return {
      line: `the server refused the request (HTTP ${error.status}): ${error.message}${retry}`,
      exitCode: ExitCode.refused,
    };
  }
  if (error instanceof RunnerUnreachableError) {
    return {
      line: `cannot reach code-runner at ${url} (${rootCause(error.cause)}); is it running? Set --url or RUNNER_URL`,
      exitCode: ExitCode.unreachable,
    };
  }
  if (error instanceof RunnerProtocolError) return { line: error.message, exitCode: ExitCode.serverError };
  if (error instanceof SessionRefusedError) {
    return { line: `the server refused the session: ${error.message}`, exitCode: ExitCode.refused };
  }
  if (error instanceof SessionEndedError) {
    return { line: error.message, exitCode: error.idle ? ExitCode.timeLimit : ExitCode.serverError };
  }
  if (error instanceof ConnectionLostError) return { line: error.message, exitCode: ExitCode.unreachable };
  if (error instanceof InterruptedError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof OutputClosedError) return { line: error.message, exitCode: error.exitCode };
  return null;
}

function write(stream: Writable, text: string): void {
  if (text !== '') stream.write(text);
}

function printRuntimes(io: CliIO, runtimes: { language: string; version: string; aliases: string[] }[]): void {
  const rows = [
    ['LANGUAGE', 'VERSION', 'ALIASES'],
    ...runtimes.map((r) => [r.language, r.version, r.aliases.join(', ')]),
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows) {
    io.stdout.write(
      `${(row[0] ?? '').padEnd((widths[0] ?? 0) + 2)}${(row[1] ?? '').padEnd((widths[1] ?? 0) + 2)}${row[2]}`.trimEnd(),
    );
    io.stdout.write('\n');
  }
}

function printResult(io: CliIO, response: ExecuteResponse): number {
  const outcome = outcomeOf(response);
  const compile = response.compile;
  if (outcome.exitCode === ExitCode.compileFailed && compile) {
    // The compiler's messages belong on stderr, as when compiling locally.
    write(io.stderr, compile.stdout);
    write(io.stderr, compile.stderr);
  } else {
    write(io.stdout, response.run.stdout);
    write(io.stderr, response.run.stderr);
  }
  for (const note of outcome.notes) io.stderr.write(`runner: ${note}\n`);
  return outcome.exitCode;
}

const extensions = Object.keys(languageByExtension).join(', ');

/** Runs `runner` with the given arguments (without node and the script) and resolves to its exit code. */
export async function runCli(argv: string[], io: CliIO, version = '0.0.0'): Promise<number> {
  // Everything after the first `--` goes to the program, never to us.
  const dashes = argv.indexOf('--');
  const ours = dashes === -1 ? argv : argv.slice(0, dashes);
  const programArgs = dashes === -1 ? [] : argv.slice(dashes + 1);
  let exitCode = 0;
  let client: RunnerClient | undefined;

  const program = new Command('runner')
    .description('Run source files on a code-runner server as if they ran here: stdout, stderr and exit code.')
    .version(version, '-V, --version', 'print the version of runner')
    .addOption(new Option('--url <url>', 'the code-runner server').env('RUNNER_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'API key sent as a Bearer token').env('RUNNER_API_KEY'))
    .option('--json', "print the server's raw JSON answer instead of the program's output")
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, writeErr) => writeErr(text.startsWith('error:') ? `runner: ${text}` : text),
    })
    .exitOverride()
    .showHelpAfterError('(run "runner --help" or "runner run --help" for usage)')
    .addHelpText(
      'after',
      `
Environment:
  RUNNER_URL       the server (default ${DEFAULT_URL}), like --url
  RUNNER_API_KEY   the API key, like --api-key

Examples:
  runner langs
  runner run hello.py
  runner run main.c util.c -- --verbose input.txt
  runner run sum.go --stdin numbers.txt
  echo 41 | runner run inc.py --stdin -
  runner run -i quiz.py

${exitCodeTable}`,
    );

  const clientFor = (): RunnerClient => {
    const { url, apiKey } = program.opts<GlobalOptions>();
    client ??= createRunnerClient({ baseUrl: url, apiKey });
    return client;
  };

  program
    .command('langs')
    .description('list the languages and versions the server can run')
    .action(async () => {
      if (programArgs.length > 0) throw new UsageError('"runner langs" takes no program arguments after "--"');
      const runtimes = await clientFor().runtimes({ signal: io.signal });
      if (program.opts<GlobalOptions>().json) io.stdout.write(`${JSON.stringify(runtimes, null, 2)}\n`);
      else printRuntimes(io, runtimes);
    });

  program
    .command('run')
    .description('run FILE (the main file) and any more files on the server')
    .argument('<files...>', 'source files; the first is the main file, the others sit beside it in the box')
    .option('-l, --language <lang>', `language or alias (default: from the main file's extension: ${extensions})`)
    .option('--lang-version <version>', 'language version: exact, a semver range, or *', '*')
    .option('--stdin <file|->', 'feed FILE to the program\'s stdin, or "-" for this stdin (default: empty stdin)')
    .option(
      '-i, --interactive',
      "interactive: runner's stdin reaches the program as it comes, its output as it is written, Ctrl-C too (below)",
    )
    .option('-t, --timeout <ms>', 'wall-time limit of the run in ms', argParser(parseMilliseconds, '--timeout'))
    .option('--cpu-time <ms>', 'CPU-time limit of the run in ms', argParser(parseMilliseconds, '--cpu-time'))
    .option(
      '-m, --memory <size>',
      'memory limit of the run: bytes, or with a unit (256M, 1G, 512KiB); -1 = server maximum',
      argParser(parseBytes, '--memory'),
    )
    .option(
      '--compile-timeout <ms>',
      'wall-time limit of the compile in ms',
      argParser(parseMilliseconds, '--compile-timeout'),
    )
    .option(
      '--compile-memory <size>',
      'memory limit of the compile (like --memory)',
      argParser(parseBytes, '--compile-memory'),
    )
    .addHelpText(
      'after',
      `
Program arguments go after "--": runner run app.py -- --name world
Limits above the server's maxima are refused; see GET /api/v2/info for them.

With -i the program reads runner's own stdin as it comes: the terminal (lines reach it on Enter, Ctrl-D
at the start of a line ends its input) or a pipe (its end ends the input). Ctrl-C, Ctrl-\\, SIGTERM and
SIGHUP are sent to the program; the same signal again within a second, or while no program runs, ends
runner (130 for Ctrl-C) and the session. The server's session wall-time limit applies (-t lowers it).
Not with --stdin or --json.

${exitCodeTable}`,
    )
    .action(async (paths: string[], options: RunOptions) => {
      const json = program.opts<GlobalOptions>().json;
      if (options.interactive && options.stdin !== undefined) {
        throw new UsageError(
          "--stdin and -i do not go together: with -i the program reads runner's own stdin as it comes (runner run -i app.py < input.txt)",
        );
      }
      if (options.interactive && json) {
        throw new UsageError('--json and -i do not go together: with -i the output streams as the program writes it');
      }
      const job: Omit<ExecuteRequest, 'stdin'> = {
        language: options.language ?? guessLanguage(paths[0] ?? ''),
        version: options.langVersion,
        files: await filesFor(paths),
        args: programArgs,
        run_timeout: options.timeout,
        run_cpu_time: options.cpuTime,
        run_memory_limit: options.memory,
        compile_timeout: options.compileTimeout,
        compile_memory_limit: options.compileMemory,
      };
      if (options.interactive) {
        const { url, apiKey } = program.opts<GlobalOptions>();
        exitCode = printResult(io, await runInteractive({ url, apiKey, request: job }, io));
        return;
      }
      let stdin: string | undefined;
      if (options.stdin === '-') stdin = (await readAll(io.stdin)).toString('utf8');
      else if (options.stdin !== undefined) stdin = (await readSource(options.stdin)).toString('utf8');
      const request: ExecuteRequest = { ...job, stdin };
      const response = await clientFor().execute(request, { signal: io.signal });
      if (json) {
        io.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
        exitCode = outcomeOf(response).exitCode;
      } else {
        exitCode = printResult(io, response);
      }
    });

  try {
    await program.parseAsync(ours, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with 0; every parse error is a usage error.
      return error.exitCode === 0 ? 0 : ExitCode.usage;
    }
    if (error instanceof OptionValueError) {
      io.stderr.write(`runner: ${error.message}\n`);
      return ExitCode.usage;
    }
    const described = describeError(error, program.opts<GlobalOptions>().url);
    if (described === null) throw error;
    io.stderr.write(`runner: ${described.line}\n`);
    return described.exitCode;
  }
}
