// Which runs take the warm path, and the life of each box's warm sandbox: started with the box, rebuilt
// after `runsPerBox` runs or any error, never lent after a reset that failed.
import path from 'node:path';
import type { SandboxBox } from './box.ts';
import type { RunCgroup } from './cgroup/index.ts';
import type { RunResult } from './classify.ts';
import type { HostProbe } from './host.ts';
import type { IsolationReport } from './isolation.ts';
import type { Launched, LaunchRequest } from './launcher.ts';
import type { CheckedRun, CheckedSandboxOptions } from './options.ts';
import { WarmBox } from './warm.ts';

/** The warm path where the host allows it (namespaces, box-init and warm-box), else the cold one, with why. */
export function chooseRunPath(checked: CheckedSandboxOptions, host: HostProbe): IsolationReport['runPath'] {
  const cold = (why: string) => ({ kind: 'cold' as const, detail: `${why}: a new sandbox per run` });
  if (!checked.warm) return cold('warm boxes disabled by options');
  if (!host.bwrap) return cold('no namespaces (bwrap) for a box to keep');
  if (!host.init) return cold('no box-init');
  if (typeof host.warmBox !== 'string') return cold(host.warmBox.missing);
  return {
    kind: 'warm',
    detail: `warm boxes (${host.warmBox}): each box's init forks every run into fresh pid, mount and IPC namespaces; rebuilt after ${checked.runsPerBox} runs or any error; runs with network or other read-only paths take the cold path`,
  };
}

export class WarmBoxes {
  readonly #dir: string;
  readonly #host: HostProbe;
  readonly #runsPerBox: number;
  #binary: string | null;
  #paths: ReadonlySet<string>;
  readonly #runsByPath = { warm: 0, cold: 0 };
  /** How warm boxes are started (the sandbox's launcher); set once the sandbox exists. */
  launch: (request: LaunchRequest) => Promise<Launched> = () => Promise.reject(new Error('no launcher yet'));

  constructor(parts: {
    dir: string;
    host: HostProbe;
    binary: string | null;
    runsPerBox: number;
    paths: readonly string[];
  }) {
    this.#dir = parts.dir;
    this.#host = parts.host;
    this.#binary = parts.binary;
    this.#runsPerBox = parts.runsPerBox;
    this.#paths = new Set(parts.paths);
  }

  get enabled(): boolean {
    return this.#binary !== null;
  }

  /** Every run takes the cold path from now on. */
  disable(): void {
    this.#binary = null;
  }

  setPaths(paths: readonly string[]): void {
    this.#paths = new Set(paths);
  }

  /** A trial run in `box`: null when it worked, else why (and warm boxes are off from then on). */
  async trial(box: SandboxBox, run: (argv: [string, ...string[]]) => Promise<RunResult>): Promise<string | null> {
    const why = await box.warm?.then(
      () => null,
      (error: Error) => error.message,
    );
    const echo = why ? null : await run(['/bin/sh', '-c', 'echo warm']);
    const failed =
      why ?? (echo?.stdout === 'warm\n' ? null : `a trial run gave ${echo?.status}: ${echo?.message ?? echo?.stderr}`);
    if (failed) this.disable();
    return failed;
  }

  /** Whether a run can take the warm path: no network, and no read-only path the warm boxes lack. */
  fits(run: CheckedRun): boolean {
    return this.#binary !== null && !run.limits.network && run.readOnlyPaths.every((p) => this.#paths.has(p));
  }

  /** The warm box a run takes, or null for the cold path; counted either way. */
  async pick(box: SandboxBox, run: CheckedRun): Promise<WarmBox | null> {
    const warm = this.fits(run) ? await this.get(box) : null;
    this.#runsByPath[warm ? 'warm' : 'cold']++;
    return warm;
  }

  get runsByPath(): { warm: number; cold: number } {
    return { ...this.#runsByPath };
  }

  /** Starts the box's warm sandbox in the background; a failure is seen (and retried) by the next run. */
  start(box: SandboxBox): void {
    box.warm = WarmBox.start({
      dir: path.join(this.#dir, `warm-${box.id}`),
      box,
      host: this.#host,
      binary: this.#binary as string,
      readOnlyPaths: [...this.#paths],
      launch: this.launch,
    });
    box.warm.catch(() => {});
  }

  /** The box's warm sandbox, (re)started as needed; null when it cannot start (the run then goes cold). */
  async get(box: SandboxBox): Promise<WarmBox | null> {
    if (!box.warm) this.start(box);
    let warm = await box.warm?.catch(() => null);
    if (warm?.broken) {
      await box.stopWarm();
      this.start(box);
      warm = await box.warm?.catch(() => null);
    }
    if (!warm) box.warm = null;
    return warm ?? null;
  }

  /** After a run: a protocol error, or its share of runs served, and the box is rebuilt for the next run. */
  after(box: SandboxBox, warm: WarmBox, control: string): void {
    warm.runs++;
    if (warm.runs < this.#runsPerBox && !control.includes('sandbox: warm-box')) return;
    box.warm = warm.stop().then(() => {
      this.start(box);
      return box.warm as Promise<WarmBox>;
    });
    box.warm.catch(() => {});
  }

  /**
   * A warm run that ended by itself is over: its init answers only once the run's namespace is empty. A run
   * killed from outside (its control connection closed) is waited for: the init kills the namespace first.
   */
  async cleanup(box: SandboxBox, warm: WarmBox, cg: RunCgroup | null, killedFromOutside: boolean) {
    if (!killedFromOutside) return null;
    if ((cg && !(await cg.killAll())) || !(await warm.idle())) await box.stopWarm();
    return null;
  }
}
