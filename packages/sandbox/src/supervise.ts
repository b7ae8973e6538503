// Supervises one started run: feeds its stdin, reads its output with caps, enforces the wall and CPU time
// limits, forwards signals, and stops it for any reason (limit, abort, close). It does not care how the run
// was started: `start` is the one thing a warm box (a long-lived namespace with an init that forks each run)
// would replace.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunCgroup } from './cgroup/index.ts';
import type { StopReason } from './classify.ts';
import type { Launched, Outcome } from './launcher.ts';
import type { RunLimits } from './limits.ts';
import { CappedOutput } from './output.ts';
import { killGroup } from './procs.ts';

/** A run's input: all at once, or a stream whose end is the end of input. */
export type StdinSource = string | Uint8Array | Readable | AsyncIterable<Uint8Array | string>;

export interface SuperviseOptions {
  start: () => Promise<Launched>;
  limits: RunLimits;
  stdin: StdinSource | undefined;
  /** Output as it comes, cut at character boundaries, never past the caps. */
  onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | undefined;
  signal: AbortSignal | undefined;
  cgroup: RunCgroup | null;
  /** Who forwards signals to the program: the launched process, its child (bwrap's PID 1), or nobody. */
  signalTarget: 'launched' | 'child' | null;
  /** After the wrapper exited: kill what is left of the run; a message when something survived. */
  cleanup: (killedFromOutside: boolean, pid: number | undefined) => Promise<string | null>;
}

export interface Supervised {
  started: boolean;
  outcome: Outcome;
  stop: StopReason | null;
  outputLimit: 'stdout' | 'stderr' | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
  control: string;
  wallTimeMs: number;
  cleanupFailure: string | null;
}

/** Process groups of runs in progress, SIGKILLed if the server exits without close(). */
const liveGroups = new Set<number>();
let exitHook = false;

export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const pgid of liveGroups) killGroup(pgid);
    });
  }
}

/** Forgets a group trackGroup() took: it has exited. */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

/** The first child of `pid` (bwrap's PID 1 is the only child of the outer bwrap), or null. */
export function childOf(pid: number): number | null {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}

function feed(stdin: StdinSource, pipe: Writable): void {
  pipe.on('error', () => {}); // EPIPE when the program does not read its input
  if (typeof stdin === 'string' || stdin instanceof Uint8Array) {
    pipe.end(typeof stdin === 'string' ? Buffer.from(stdin) : stdin);
    return;
  }
  const source = stdin instanceof Readable ? stdin : Readable.from(stdin, { objectMode: false });
  // Ends the pipe with the source (end of input); a run that ends first stops reading it.
  pipeline(source, pipe).catch(() => {});
}

/** Throws for anything but a signal name of this platform ('SIGINT', 'SIGTERM', ...). */
export function checkSignalName(signal: string): number {
  const number = Object.hasOwn(constants.signals, signal) ? constants.signals[signal as NodeJS.Signals] : undefined;
  if (number === undefined) {
    throw new TypeError(`Expected a signal name such as SIGINT or SIGTERM, got ${JSON.stringify(String(signal))}`);
  }
  return number;
}

/**
 * box-init cannot catch SIGKILL and SIGSTOP to forward them to the program: it is asked for them by proxy,
 * with the two highest real-time signals (src/box-init.c). Sent as they are, they would kill or stop box-init
 * itself and lose the program's report.
 */
const byProxy: Readonly<Record<number, number>> = { [constants.signals.SIGKILL]: 64, [constants.signals.SIGSTOP]: 63 };

export class Supervision {
  readonly done: Promise<Supervised>;
  #pid: number | undefined;
  #launched: Launched | null = null;
  #stop: StopReason | null = null;
  #exited = false;
  readonly #options: SuperviseOptions;

  constructor(options: SuperviseOptions) {
    this.#options = options;
    this.done = this.#supervise();
  }

  /** Stops the run (kills all of it) for `reason`; the first reason wins. */
  stop(reason: StopReason): void {
    if (this.#stop !== null) return;
    this.#stop = reason;
    if (this.#pid !== undefined) killGroup(this.#pid);
    this.#launched?.terminate?.();
    void this.#options.cgroup?.killAll(2000);
  }

  /** Sends `signal` (e.g. 'SIGINT') to the program; false when it is not running or cannot be reached. */
  kill(signal: string): boolean {
    const number = byProxy[checkSignalName(signal)] ?? checkSignalName(signal);
    const { signalTarget } = this.#options;
    if (this.#exited || this.#stop !== null) return false;
    if (this.#launched?.signal) return this.#launched.signal(number);
    if (this.#pid === undefined || signalTarget === null) return false;
    const target = signalTarget === 'child' ? childOf(this.#pid) : this.#pid;
    if (target === null) return false;
    try {
      process.kill(target, number);
      return true;
    } catch {
      return false;
    }
  }

  async #supervise(): Promise<Supervised> {
    const { limits, onOutput, signal, cgroup } = this.#options;
    const started = performance.now();
    // A throwing callback is the caller's bug: it must not stop the reading of the run (nor crash the server).
    const hand = (stream: 'stdout' | 'stderr') => (text: string) => {
      try {
        onOutput?.(stream, text);
      } catch {}
    };
    const stdout = new CappedOutput(limits.stdoutBytes, onOutput && hand('stdout'));
    const stderr = new CappedOutput(limits.stderrBytes, onOutput && hand('stderr'));
    let outputLimit: Supervised['outputLimit'] = null;
    let control = '';
    const onAbort = () => this.stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    let wallTimer: NodeJS.Timeout | undefined;
    let cpuTimer: NodeJS.Timeout | undefined;
    const result = (outcome: Outcome, cleanupFailure: string | null): Supervised => ({
      started: this.#pid !== undefined || this.#launched?.terminate !== undefined,
      outcome,
      stop: this.#stop,
      outputLimit,
      stdout,
      stderr,
      control,
      wallTimeMs: performance.now() - started,
      cleanupFailure,
    });
    try {
      let launched: Launched;
      try {
        launched = await this.#options.start();
      } catch (error) {
        return result({ error: error as Error }, null);
      }
      const pid = launched.pid;
      this.#pid = pid;
      this.#launched = launched;
      if (pid !== undefined) trackGroup(pid);
      if (this.#stop !== null) {
        // stopped while it was being started
        if (pid !== undefined) killGroup(pid);
        launched.terminate?.();
      }
      const read = (stream: Readable | null, into: CappedOutput, name: 'stdout' | 'stderr') =>
        stream?.on('data', (chunk: Buffer) => {
          if (!into.push(chunk) && outputLimit === null) {
            outputLimit = name;
            this.stop('output');
          }
        });
      read(launched.stdout, stdout, 'stdout');
      read(launched.stderr, stderr, 'stderr');
      launched.control?.on('data', (chunk: Buffer) => {
        if (control.length < 4096) control += chunk.toString('utf8');
      });
      if (this.#options.stdin !== undefined && launched.stdin) feed(this.#options.stdin, launched.stdin);

      // Node's timers may fire a fraction of a ms early (the loop's clock is cached): re-armed until the limit
      // has really passed, so that a run stopped at its wall limit never reports less than the limit.
      const armWall = () => {
        const left = limits.wallTimeMs - (performance.now() - started);
        if (left > 0) wallTimer = setTimeout(armWall, Math.ceil(left));
        else this.stop('wall');
      };
      armWall();
      if (cgroup) {
        cpuTimer = setInterval(
          () => {
            const used = cgroup.cpuTimeMs();
            if (used != null && used >= limits.cpuTimeMs) this.stop('cpu');
          },
          Math.min(50, limits.cpuTimeMs),
        );
      }

      const outcome = await launched.exited;
      this.#exited = true; // its pid may be reused from now on: no more signals
      if (pid !== undefined) liveGroups.delete(pid);
      const ended = result(outcome, null);
      clearTimeout(wallTimer);
      clearInterval(cpuTimer);
      // An error outcome after a start (the launcher died) is a kill from outside as well.
      const killedFromOutside = this.#stop !== null || ('error' in outcome && ended.started);
      ended.cleanupFailure = await this.#options.cleanup(killedFromOutside, pid);
      const streams = [launched.stdout, launched.stderr, launched.control];
      await Promise.race([
        Promise.all(
          streams.map(
            (stream) =>
              new Promise((resolve) => {
                const readable = stream as (Readable & { closed?: boolean }) | null;
                if (!readable || readable.closed || readable.destroyed) resolve(null);
                else readable.once('close', resolve);
              }),
          ),
        ),
        sleep(1000), // a daemon of a level without cgroup or uid may still hold a pipe
      ]);
      for (const stream of [...streams, launched.stdin]) stream?.destroy();
      stdout.end();
      stderr.end();
      return Object.assign(ended, { stop: this.#stop, outputLimit, control });
    } finally {
      clearTimeout(wallTimer);
      clearInterval(cpuTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
