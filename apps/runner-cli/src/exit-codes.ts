import { constants } from 'node:os';
import { classifyExecution, type ExecuteResponse } from '@repo/runner-api';

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

/** The exit code and the words for stderr that an execute answer stands for (`@repo/runner-api`'s classifier). */
export function outcomeOf(response: ExecuteResponse): Outcome {
  const outcome = classifyExecution(response);
  // The summary is one line for a person; the CLI's notes follow `runner: `, in lower case.
  const note = outcome.summary.charAt(0).toLowerCase() + outcome.summary.slice(1);
  switch (outcome.kind) {
    case 'ok':
    case 'runtime-error':
      // The program's own exit code says it all, as when it runs here.
      return { exitCode: (outcome.exitCode ?? 0) & 0xff, notes: [] };
    case 'compile-error':
      return { exitCode: ExitCode.compileFailed, notes: [note] };
    case 'internal-error':
      // The server's failure in either stage, the compile stage's included: not a compile error of the user's code.
      return { exitCode: ExitCode.serverError, notes: [note] };
    case 'time-limit':
      return { exitCode: ExitCode.timeLimit, notes: [note] };
    case 'memory-limit':
      return { exitCode: ExitCode.memoryLimit, notes: [note] };
    case 'output-limit':
      return { exitCode: ExitCode.outputLimit, notes: [note] };
    case 'signal':
    case 'file-size-limit':
      // 128+n like a shell (SIGXFSZ is 153); an unnamed signal counts as SIGKILL.
      return { exitCode: ExitCode.signalBase + (signalNumber(outcome.signal) ?? 9), notes: [note] };
  }
}
