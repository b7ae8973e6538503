import type { Stage, StageStatus } from '@repo/runner-api';
import type { RunResult } from '@repo/sandbox';

// Linux gives some signals two names; os.constants.signals may yield the older alias (6 -> SIGIOT).
const signalAliases: Record<string, string> = {
  SIGIOT: 'SIGABRT',
  SIGPOLL: 'SIGIO',
  SIGCLD: 'SIGCHLD',
  SIGUNUSED: 'SIGSYS',
};

/** The usual name of a signal. */
export function normalizeSignal(signal: string | null): string | null {
  return signal === null ? null : (signalAliases[signal] ?? signal);
}

/** The sandbox's status in Piston's words (null = success). */
export function pistonStatus(result: RunResult): StageStatus | null {
  switch (result.status) {
    case 'ok':
      return null;
    case 'runtime-error':
      return 'RE';
    case 'signaled':
      return 'SG';
    case 'timeout':
      return 'TO';
    case 'output':
      return result.outputLimit === 'stderr' ? 'EL' : 'OL';
    case 'memory':
      return 'ML';
    default:
      return 'XX';
  }
}

function stageMessage(result: RunResult): string | null {
  // The sandbox's text of an internal failure is for the server log, not for the client.
  if (result.status === 'internal') return 'internal error';
  if (result.message) return result.message;
  switch (result.status) {
    case 'ok':
      return null;
    case 'runtime-error':
      return `exited with code ${result.exitCode}`;
    case 'signaled':
      return `killed by ${normalizeSignal(result.signal) ?? 'a signal'}`;
    case 'timeout':
      return result.timeout === 'cpu' ? 'CPU time limit exceeded' : 'wall time limit exceeded';
    case 'memory':
      return 'memory limit exceeded';
    case 'output':
      return `${result.outputLimit ?? 'output'} limit exceeded`;
    case 'aborted':
      return 'aborted';
    default:
      return 'internal error';
  }
}

/** A sandbox result as a Piston stage. `cached` marks a compile stage the cache answered. */
export function toStage(result: RunResult, cached?: boolean): Stage {
  const stage: Stage = {
    stdout: result.stdout,
    stderr: result.stderr,
    output: result.stdout + result.stderr,
    code: result.exitCode,
    signal: normalizeSignal(result.signal),
    message: stageMessage(result),
    status: pistonStatus(result),
    cpu_time: result.cpuTimeMs,
    wall_time: result.wallTimeMs,
    memory: result.memoryBytes,
  };
  if (cached !== undefined) stage.cached = cached;
  return stage;
}

// Go's os/exec wording (the original is a Go service): "signal: killed", "signal: segmentation fault".
const goSignalNames: Record<string, string> = {
  SIGHUP: 'hangup',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault',
  SIGUSR2: 'user defined signal 2',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGTERM: 'terminated',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

/** The v1 `error` text of a stage: "" for success, else a short reason. */
export function v1Error(result: RunResult): string {
  switch (result.status) {
    case 'ok':
      return '';
    case 'runtime-error':
      return `exit status ${result.exitCode}`;
    case 'signaled': {
      const signal = normalizeSignal(result.signal) ?? 'unknown';
      return `signal: ${goSignalNames[signal] ?? signal.toLowerCase()}`;
    }
    case 'timeout':
      return 'time limit exceeded';
    case 'memory':
      return 'memory limit exceeded';
    case 'output':
      return 'output limit exceeded';
    case 'aborted':
      return 'aborted';
    default:
      return 'internal error';
  }
}
