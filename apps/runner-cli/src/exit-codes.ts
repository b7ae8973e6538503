import { constants } from 'node:os';
import type { ExecuteResponse, Stage } from '@repo/runner-api';

/**
 * The exit codes of `runner` beyond the program's own (0–255 passed through). The high ones sit where
 * shells and `timeout(1)` put theirs, so scripts that already test for 124 keep working. A program that
 * itself exits with one of these is indistinguishable, as with `timeout(1)`: `--json` tells them apart.
 */
export const ExitCode = {
  usage: 2,
  serverError: 119,
  refused: 120,
  compileFailed: 121,
  busy: 122,
  unreachable: 123,
  timeLimit: 124,
  memoryLimit: 125,
  outputLimit: 126,
  signalBase: 128,
} as const;

/** For --help and the README: one line per code. */
export const exitCodeTable = `Exit codes:
  0-255    the program's own exit code
  2        usage error: bad option, unknown file extension, unreadable file
  119      the server failed (HTTP 5xx other than 503, status XX, or an answer that breaks the contract)
  120      the server refused the request (HTTP 400, 401, 413, 429, ...: its message is printed)
  121      compilation failed (the compiler's output is printed on stderr)
  122      the server is busy (HTTP 503; the retry-after delay is printed)
  123      the server cannot be reached
  124      time limit exceeded (wall or CPU), as with timeout(1)
  125      memory limit exceeded
  126      output limit exceeded (stdout or stderr over the server's cap; what came is printed)
  128+n    the program was killed by signal n (e.g. 137 for SIGKILL, 139 for SIGSEGV)`;

export interface Outcome {
  exitCode: number;
  /** Lines for stderr, in words, after the program's own output. */
  notes: string[];
}

function signalNumber(signal: string | null): number | null {
  if (signal === null) return null;
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n ?? null;
}

function limitWords(stage: Stage): string {
  return stage.message ? ` (${stage.message})` : '';
}

/** What a finished stage means for the exit code and the words to print. */
function stageOutcome(stage: Stage): Outcome {
  switch (stage.status) {
    case 'TO':
      return { exitCode: ExitCode.timeLimit, notes: [`time limit exceeded${limitWords(stage)}`] };
    case 'ML':
      return { exitCode: ExitCode.memoryLimit, notes: [`memory limit exceeded${limitWords(stage)}`] };
    case 'OL':
      return {
        exitCode: ExitCode.outputLimit,
        notes: [`stdout exceeded the output limit and was cut${limitWords(stage)}`],
      };
    case 'EL':
      return {
        exitCode: ExitCode.outputLimit,
        notes: [`stderr exceeded the output limit and was cut${limitWords(stage)}`],
      };
    case 'XX':
      return { exitCode: ExitCode.serverError, notes: [`internal error of the server${limitWords(stage)}`] };
    case 'SG': {
      const n = signalNumber(stage.signal);
      return {
        exitCode: n === null ? ExitCode.signalBase + 9 : ExitCode.signalBase + n,
        notes: [`killed by signal ${stage.signal ?? 'unknown'}`],
      };
    }
    default: {
      // null or RE: an ordinary exit. A signal without SG status is still a signal.
      const n = signalNumber(stage.signal);
      if (stage.code === null && n !== null) {
        return { exitCode: ExitCode.signalBase + n, notes: [`killed by signal ${stage.signal}`] };
      }
      return { exitCode: (stage.code ?? 0) & 0xff, notes: [] };
    }
  }
}

/** The exit code and the words for stderr that an execute answer stands for. */
export function outcomeOf(response: ExecuteResponse): Outcome {
  const compile = response.compile;
  if (compile?.status === 'XX') return stageOutcome(compile);
  if (compile && (compile.status !== null || compile.code !== 0)) {
    const why = compile.status === null || compile.status === 'RE' ? '' : `: ${stageOutcome(compile).notes.join('; ')}`;
    const code = compile.code === null ? '' : ` (compiler exit code ${compile.code})`;
    return { exitCode: ExitCode.compileFailed, notes: [`compilation failed${code}${why}`] };
  }
  return stageOutcome(response.run);
}
