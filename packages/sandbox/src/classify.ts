import type { CgroupMeasure } from './cgroup/index.ts';
import type { RunLimits } from './limits.ts';
import { signalName } from './signals.ts';

export type RunStatus = 'ok' | 'runtime-error' | 'signaled' | 'timeout' | 'memory' | 'output' | 'aborted' | 'internal';

export interface RunResult {
  status: RunStatus;
  exitCode: number | null;
  /** e.g. 'SIGKILL'. */
  signal: string | null;
  timeout: 'wall' | 'cpu' | null;
  outputLimit: 'stdout' | 'stderr' | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  wallTimeMs: number;
  /** null where the layer in force cannot measure it. */
  cpuTimeMs: number | null;
  /** Peak; null where unmeasurable. */
  memoryBytes: number | null;
  /** Human text for 'internal', 'memory', 'timeout', ... */
  message: string | null;
}

export type StopReason = 'wall' | 'cpu' | 'output' | 'aborted' | 'closed';

/** What fd 3 of a run said: the waiter's report, and a wrapper's own failure. */
export interface ControlReport {
  /** box-init's `ran` line (exact exit or signal, rusage) or the fallback shell's `ran <status>`. */
  ran: {
    exitCode: number | null;
    signal: string | null;
    cpuTimeMs: number | null;
    memoryBytes: number | null;
    /** box-init killed the run past its memory limit (no cgroup). */
    overMemory: boolean;
  } | null;
  /** CPU time from the waiting shell's `times` (the fallback without namespaces). */
  timesCpuMs: number | null;
  /** A `sandbox: ...` line: the wrapper or box-init could not set the run up. */
  failure: string | null;
}

/** Parses what a run wrote on fd 3. */
export function parseControl(text: string): ControlReport {
  const report: ControlReport = { ran: null, timesCpuMs: null, failure: /^sandbox: (.*)$/m.exec(text)?.[1] ?? null };
  const full = /^ran (-?\d+) (\d+) (\d+) (\d+) (\d+) ([01])$/m.exec(text);
  if (full) {
    const [, exit, signal, user, system, peakKiB, over] = full.map(Number) as number[];
    report.ran = {
      exitCode: signal ? null : (exit as number),
      signal: signal ? signalName(signal as number) : null,
      cpuTimeMs: ((user as number) + (system as number)) / 1000,
      memoryBytes: (peakKiB as number) * 1024,
      overMemory: over === 1,
    };
  } else {
    const short = /^ran (\d+)$/m.exec(text);
    if (short)
      report.ran = { ...exitOrSignal(Number(short[1])), cpuTimeMs: null, memoryBytes: null, overMemory: false };
  }
  // The `times` builtin: the shell's own line, then its children's ("0m1.250000s 0m0.010000s").
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$/m.exec(text.trim().split('\n').at(-1)?.trim() ?? '');
  if (children) {
    const [, um = '0', us = '0', sm = '0', ss = '0'] = children;
    report.timesCpuMs = (Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)) * 1000;
  }
  return report;
}

/** A shell's status: 128 + n is signal n. */
function exitOrSignal(status: number): { exitCode: number | null; signal: string | null } {
  return status > 128 && status <= 128 + 64
    ? { exitCode: null, signal: signalName(status - 128) }
    : { exitCode: status, signal: null };
}

/** Everything known about a run once it is over (or could not start). */
export type RunFacts =
  | { kind: 'not-run'; status: 'internal' | 'aborted'; message: string; wallTimeMs?: number }
  | {
      kind: 'ended';
      limits: RunLimits;
      /** The wrapper's exit as its parent saw it. */
      exit: { code: number | null; signal: string | null };
      /** bwrap or a shell reports the program's signal as exit status 128 + n. */
      wrapped: boolean;
      /** What proves the program itself ran to its end (null: the wrapper execs it directly). */
      proof: 'ran' | 'times' | null;
      control: ControlReport;
      stop: StopReason | null;
      outputLimit: 'stdout' | 'stderr' | null;
      stdout: { text: string; truncated: boolean };
      stderr: { text: string; truncated: boolean };
      wallTimeMs: number;
      measured: CgroupMeasure | null;
      /** Processes survived the kill, or the run was killed from outside. */
      cleanupFailure: string | null;
    };

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** The one place a RunResult is made: the status, its message and the figures of a run. */
export function classify(facts: RunFacts): RunResult {
  if (facts.kind === 'not-run') {
    return {
      status: facts.status,
      exitCode: null,
      signal: null,
      timeout: null,
      outputLimit: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      wallTimeMs: round(facts.wallTimeMs ?? 0),
      cpuTimeMs: null,
      memoryBytes: null,
      message: facts.message,
    };
  }
  const { limits, control, measured, stop } = facts;
  // The waiter's report is exact (a program's own exit 130 is not SIGINT); without it, the wrapper's status.
  const { exitCode, signal } =
    control.ran && (control.ran.signal !== null || control.ran.exitCode !== null)
      ? control.ran
      : facts.wrapped && facts.exit.signal === null && facts.exit.code !== null
        ? exitOrSignal(facts.exit.code)
        : { exitCode: facts.exit.code, signal: facts.exit.signal };
  const cpuTimeMs = measured?.cpuTimeMs ?? control.ran?.cpuTimeMs ?? control.timesCpuMs;
  const memoryBytes = measured ? measured.memoryBytes : (control.ran?.memoryBytes ?? null);
  const proven =
    facts.proof === 'ran' ? control.ran !== null : facts.proof === 'times' ? control.timesCpuMs !== null : true;
  const result: RunResult = {
    status: 'ok',
    exitCode,
    signal,
    timeout: null,
    outputLimit: facts.outputLimit,
    stdout: facts.stdout.text,
    stderr: facts.stderr.text,
    stdoutTruncated: facts.stdout.truncated,
    stderrTruncated: facts.stderr.truncated,
    wallTimeMs: round(facts.wallTimeMs),
    cpuTimeMs: cpuTimeMs == null ? null : round(cpuTimeMs),
    memoryBytes,
    message: null,
  };
  const set = (status: RunStatus, message: string, extra: Partial<RunResult> = {}) =>
    Object.assign(result, { status, message, ...extra });
  const internal =
    facts.cleanupFailure ??
    (control.failure !== null && facts.exit.code === 125 ? `sandbox wrapper failed: ${control.failure}` : null);
  if (stop === 'aborted' || stop === 'closed') {
    set('aborted', stop === 'closed' ? 'the sandbox was closed' : 'aborted by the caller');
  } else if (internal) {
    set('internal', internal);
  } else if (facts.outputLimit) {
    const cap = limits[facts.outputLimit === 'stdout' ? 'stdoutBytes' : 'stderrBytes'];
    set('output', `${facts.outputLimit} exceeded its limit of ${cap} bytes`);
  } else if (measured?.oomKilled || control.ran?.overMemory) {
    set('memory', `memory limit of ${limits.memoryBytes} bytes exceeded`);
  } else if (stop === 'wall') {
    set('timeout', `wall time limit of ${limits.wallTimeMs} ms exceeded`, { timeout: 'wall' });
  } else if (
    stop === 'cpu' ||
    signal === 'SIGXCPU' ||
    (signal === 'SIGKILL' && cpuTimeMs != null && cpuTimeMs >= limits.cpuTimeMs)
  ) {
    set('timeout', `CPU time limit of ${limits.cpuTimeMs} ms exceeded`, { timeout: 'cpu' });
  } else if (!proven) {
    // The wrapper, bwrap or the waiter failed (cannot fork, cannot create a namespace): the server's fault.
    const said = facts.stderr.text.trim().split('\n').slice(-2).join(' | ');
    const how = facts.exit.signal ?? `exit status ${facts.exit.code}`;
    set('internal', `the sandbox failed before the program ended (${how}): ${said || 'no message'}`);
  } else if (signal) {
    set(
      'signaled',
      signal === 'SIGXFSZ' ? `file size limit of ${limits.fileSizeBytes} bytes exceeded` : `killed by ${signal}`,
    );
  } else if (exitCode !== 0) {
    set('runtime-error', `exit status ${exitCode}`);
  }
  return result;
}
