// The sandbox: one instance per server. A run goes through the stages, each in its own module:
// check options (options.ts) -> probe the host, once (host.ts) -> lay out the instance and its boxes
// (instance.ts) -> build the wrapper and bwrap arguments (command.ts) -> supervise (supervise.ts) ->
// classify the result (classify.ts).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type Box, SandboxBox } from './box.ts';
import type { RunCgroup } from './cgroup/index.ts';
import { classify, parseControl, type RunResult, type StopReason } from './classify.ts';
import { boxPath, buildCommand, type Command, warmRequest } from './command.ts';
import { BoxBusyError, IsolationUnavailableError, SandboxOptionError, SelfTestError } from './errors.ts';
import { type HostProbe, probeHost } from './host.ts';
import { claimUidRange, makeBoxDir, makeInstanceDir, prepareWorkRoot, removeStaleInstances } from './instance.ts';
import { type IsolationReport, levelAtLeast, levelOf } from './isolation.ts';
import { type Launched, type LaunchRequest, launchDirect } from './launcher.ts';
import { resolveLimits } from './limits.ts';
import {
  type CheckedRun,
  checkInteger,
  checkPaths,
  checkRunOptions,
  checkSandboxOptions,
  type RunOptions,
  type SandboxOptions,
} from './options.ts';
import type { UidClaim } from './owner.ts';
import { killGroup, killUid, tasksOfUidAsync } from './procs.ts';
import { checkSignalName, Supervision } from './supervise.ts';
import { chooseRunPath, WarmBoxes } from './warm-boxes.ts';

export type { RunResult, RunStatus } from './classify.ts';
export type { RunOptions, SandboxOptions } from './options.ts';

/** A run in progress: its result, and a way to signal the program. */
export interface RunningProgram {
  readonly result: Promise<RunResult>;
  /** Sends `signal` (e.g. 'SIGINT') to the program; false when it is not running or cannot be reached. */
  kill(signal: string): boolean;
}

interface Tracked {
  stop(reason: StopReason): void;
  done: Promise<unknown>;
}

/** Runs one command in one box under the strongest isolation the host allows. */
export class Sandbox {
  readonly isolation: IsolationReport;
  readonly workRoot: string;
  /** This instance's own directory under workRoot (`sandbox-<pid>-<start>-<random>`): boxes and /etc files. */
  readonly dir: string;
  /** First per-box uid in use: `baseUid`, or the next free range when another sandbox holds it. */
  readonly baseUid: number;
  readonly #claim: UidClaim | null;
  readonly #boxCount: number;
  readonly #host: HostProbe;
  readonly #boxes = new Map<number, SandboxBox>();
  readonly #running = new Set<Tracked>();
  readonly #warm: WarmBoxes;
  #closed = false;

  private constructor(parts: {
    isolation: IsolationReport;
    workRoot: string;
    dir: string;
    boxes: number;
    baseUid: number;
    claim: UidClaim | null;
    host: HostProbe;
    warm: WarmBoxes;
  }) {
    this.isolation = parts.isolation;
    this.workRoot = parts.workRoot;
    this.dir = parts.dir;
    this.#boxCount = parts.boxes;
    this.baseUid = parts.baseUid;
    this.#claim = parts.claim;
    this.#host = parts.host;
    this.#warm = parts.warm;
  }

  /** Detects the layers the host allows and creates workRoot. */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const checked = checkSandboxOptions(options);
    const { workRoot, root, boxes } = checked;
    prepareWorkRoot(workRoot, root);
    await removeStaleInstances(workRoot);
    const { claim, note } = root ? await claimUidRange(checked.baseUid, boxes + 1) : { claim: null, note: '' };
    const baseUid = claim?.first ?? checked.baseUid;
    let dir: string | null = null;
    let host: HostProbe | null = null;
    try {
      const instance = makeInstanceDir(workRoot, { root, baseUid, boxes });
      dir = instance.dir;
      host = await probeHost({
        workRoot,
        dir,
        etcDir: instance.etcDir,
        disable: checked.disable,
        root,
        trialUid: root ? baseUid + boxes : null,
        uidDetail: `per-box uid/gid ${baseUid}+box id${note}`,
        init: checked.init,
        etc: checked.etc,
      });
      const isolation: IsolationReport = {
        level: levelOf(host.layers, root),
        layers: host.layers,
        cgroup: host.cgroups?.version ?? null,
        root,
        disk: host.disk,
        boxPath: host.bwrap ? boxPath : null,
        usage: host.usage,
        runPath: chooseRunPath(checked, host),
      };
      if (checked.requireLevel && !levelAtLeast(isolation.level, checked.requireLevel)) {
        throw new IsolationUnavailableError(checked.requireLevel, isolation);
      }
      const warm = new WarmBoxes({
        dir,
        host,
        binary: isolation.runPath.kind === 'warm' ? (host.warmBox as string) : null,
        runsPerBox: checked.runsPerBox,
        paths: checked.warmPaths,
      });
      const sandbox = new Sandbox({ isolation, workRoot, dir, boxes, baseUid, claim, host, warm });
      warm.launch = (request) => sandbox.#launch(request);
      if (warm.enabled) await sandbox.#tryWarm();
      return sandbox;
    } catch (error) {
      await host?.launcher?.close();
      await host?.cgroups?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      claim?.release();
      throw error;
    }
  }

  /**
   * Host paths bound read-only into the warm boxes created from now on (as `warmPaths` at create()): a run
   * whose readOnlyPaths are all among them takes the warm path.
   */
  setWarmPaths(paths: readonly string[]): void {
    this.#warm.setPaths(checkPaths('warmPaths', [...paths]));
  }

  /** Creates (or takes over and empties) box `id`, 0 <= id < boxes. */
  async createBox(id: number): Promise<Box> {
    checkInteger('id', id, 0, this.#boxCount - 1);
    return this.#createBox(id);
  }

  async #createBox(id: number): Promise<SandboxBox> {
    if (this.#closed) throw new SandboxOptionError('The sandbox is closed');
    if (this.#boxes.has(id)) throw new SandboxOptionError(`Box ${id} already exists; destroy it first`);
    const dir = path.join(this.dir, `box-${id}`);
    const uid = this.isolation.root ? this.baseUid + id : null;
    const tmpfsBytes = this.isolation.disk === 'tmpfs' ? resolveLimits(undefined).diskBytes : null;
    await makeBoxDir(dir, uid, tmpfsBytes);
    const box = new SandboxBox({
      id,
      dir,
      uid,
      cgroup: this.#host.cgroups?.createBox(id, uid) ?? null,
      tmpfsBytes,
      onDestroy: (destroyed) => {
        if (this.#boxes.get(destroyed.id) === destroyed) this.#boxes.delete(destroyed.id);
      },
    });
    await box.killLeftovers(true);
    this.#boxes.set(id, box);
    if (this.#warm.enabled) this.#warm.start(box);
    return box;
  }

  /** At start: the warm path runs a program for real, or every run takes the cold path, with the reason. */
  async #tryWarm(): Promise<void> {
    const box = await this.#createBox(this.#boxCount);
    try {
      const failed = await this.#warm.trial(box, (argv) => this.run({ box, argv }));
      if (failed) this.isolation.runPath = { kind: 'cold', detail: `warm boxes could not be used (${failed})` };
    } finally {
      await box.destroy();
    }
  }

  /** Runs `argv` in the box; never throws for what the program does, only for invalid options. */
  async run(options: RunOptions): Promise<RunResult> {
    return this.start(options).result;
  }

  /**
   * Starts `argv` in the box and returns at once: the result to await, and kill() to signal the program
   * (e.g. an interactive session's ^C). Throws at once for invalid options.
   */
  start(options: RunOptions): RunningProgram {
    if (this.#closed) throw new SandboxOptionError('The sandbox is closed');
    const box = options?.box;
    if (!(box instanceof SandboxBox) || this.#boxes.get(box.id) !== box) {
      throw new SandboxOptionError('Expected `box` to be a live box created by this sandbox');
    }
    const run = checkRunOptions(options, box.dir);
    if (box.busy) throw new BoxBusyError(box.id);
    if (run.signal?.aborted) {
      const aborted = classify({ kind: 'not-run', status: 'aborted', message: 'aborted before start' });
      const kill = (signal: string) => {
        checkSignalName(signal);
        return false;
      };
      return { result: Promise.resolve(aborted), kill };
    }
    box.busy = true;
    let supervision: Supervision | null = null;
    let stopped: StopReason | null = null;
    const tracked: Tracked = {
      stop: (reason) => {
        stopped ??= reason;
        supervision?.stop(reason);
      },
      done: Promise.resolve(),
    };
    const result = this.#execute(box, run, (started) => {
      supervision = started;
      if (stopped) started.stop(stopped); // closed while the box was being prepared
    }).finally(() => {
      box.busy = false;
      this.#running.delete(tracked);
    });
    tracked.done = result.catch(() => {});
    this.#running.add(tracked);
    return {
      result,
      kill: (signal) => {
        checkSignalName(signal);
        return (supervision as Supervision | null)?.kill(signal) ?? false;
      },
    };
  }

  async #execute(box: SandboxBox, run: CheckedRun, onStart: (supervision: Supervision) => void): Promise<RunResult> {
    const { limits } = run;
    const host = this.#host;
    const warm = await this.#warm.pick(box, run);
    let cg: RunCgroup | null = null;
    try {
      cg = warm ? await warm.runCgroup(limits) : ((await box.cgroup?.prepare(limits)) ?? null);
      await box.resize(limits.diskBytes);
    } catch (error) {
      cg?.release();
      if (warm) await box.stopWarm(); // never lent with a reset that failed
      const message = `preparing box ${box.id} failed: ${(error as Error).message}`;
      return classify({ kind: 'not-run', status: 'internal', message });
    }
    const command = warm
      ? null
      : buildCommand({
          argv: run.argv,
          box: { dir: box.dir, uid: box.uid },
          cwd: run.cwd,
          limits,
          env: run.env,
          readOnlyPaths: run.readOnlyPaths,
          cgroup:
            cg && box.cgroup
              ? { joinFiles: cg.joinFiles, joinPid: cg.joinPid, joinNeedsRoot: box.cgroup.joinNeedsRoot }
              : null,
          bwrap: host.bwrap,
          init: host.init,
          setpriv: host.setpriv,
          stdin: run.stdin !== undefined,
          otherTasks: !cg && !host.bwrap && box.uid === null ? await tasksOfUidAsync(process.getuid?.() ?? 0) : 0,
        });
    const request = warm ? warmRequest({ ...run, box, limits, cgroup: cg !== null, into: cg?.into ?? '' }) : null;
    const supervision = new Supervision({
      start: async () =>
        warm ? warm.open(request as Buffer, run.stdin !== undefined) : this.#launch((command as Command).request),
      limits,
      stdin: run.stdin,
      onOutput: run.onOutput,
      signal: run.signal,
      cgroup: cg,
      signalTarget: command && host.init ? (command.initIsChild ? 'child' : 'launched') : null,
      cleanup: (killedFromOutside, pid) =>
        warm ? this.#warm.cleanup(box, warm, cg, killedFromOutside) : this.#cleanup(box, cg, killedFromOutside, pid),
    });
    onStart(supervision);
    const ended = await supervision.done;
    const measured = 'error' in ended.outcome ? null : (cg?.measure() ?? null);
    cg?.release();
    if (warm) this.#warm.after(box, warm, ended.control);
    if ('error' in ended.outcome) {
      const what = ended.started ? 'the run was killed' : 'starting the command failed';
      const message = `${what}: ${ended.cleanupFailure ?? ended.outcome.error.message}`;
      return classify({
        kind: 'not-run',
        status: 'internal',
        message,
        wallTimeMs: ended.started ? ended.wallTimeMs : 0,
      });
    }
    return classify({
      kind: 'ended',
      limits,
      exit: { code: ended.outcome.code, signal: ended.outcome.signal },
      // A warm run reports as box-init does in a cold one: `ran ...` on its fd 3, its status as a shell's.
      wrapped: command?.wrapped ?? true,
      proof: command?.proof ?? 'ran',
      control: parseControl(ended.control),
      stop: ended.stop,
      outputLimit: ended.outputLimit,
      stdout: { text: ended.stdout.text(), truncated: ended.stdout.overflowed },
      stderr: { text: ended.stderr.text(), truncated: ended.stderr.overflowed },
      wallTimeMs: ended.wallTimeMs,
      measured,
      cleanupFailure: ended.cleanupFailure,
    });
  }

  /** Nothing of a run may outlive it: its process group, its cgroup, every process of the box uid. */
  async #cleanup(box: SandboxBox, cg: RunCgroup | null, killedFromOutside: boolean, pid: number | undefined) {
    if (pid !== undefined) killGroup(pid);
    if (cg && !(await cg.killAll())) return 'processes of the run survived SIGKILL';
    // Killed from outside, bwrap dies before the processes of its namespace finish exiting: wait for them.
    if (box.uid !== null && (!cg || killedFromOutside) && !(await killUid(box.uid))) {
      return `processes of uid ${box.uid} survive`;
    }
    return null;
  }

  /** How many runs took each path so far (a run that fits the warm path goes cold when its box cannot start). */
  get runsByPath(): { warm: number; cold: number } {
    return this.#warm.runsByPath;
  }

  /** Host pids of every box's warm sandbox (bwrap and its init): processes of box uids that are no run's. */
  async residentPids(): Promise<number[]> {
    return (await Promise.all([...this.#boxes.values()].map((box) => box.residentPids()))).flat();
  }

  /** Pid of the launcher process that spawns the runs; null when none runs (not started yet, or the fallback). */
  get launcherPid(): number | null {
    return this.#host.launcher?.pid ?? null;
  }

  /** Through the launcher (restarted if it died); directly when it cannot be started. */
  async #launch(request: LaunchRequest): Promise<Launched> {
    const launcher = this.#host.launcher;
    if (launcher) {
      try {
        return await launcher.spawn(request);
      } catch (error) {
        if (this.#closed) throw error;
        this.#host.launcher = null;
        await launcher.close();
        this.isolation.layers.process.detail += `; launcher could not be restarted (${(error as Error).message}): runs spawned directly by the server`;
      }
    }
    return launchDirect(request);
  }

  /** Runs a tiny self-test (echo, a limit, no network) and throws with the reason if it fails. */
  async selfTest(): Promise<void> {
    const box = await this.#createBox(this.#boxCount);
    try {
      const echo = await this.run({ box, argv: ['/bin/sh', '-c', 'echo ok; id -u'] });
      const [word, uid] = echo.stdout.trim().split('\n');
      if (echo.status !== 'ok' || word !== 'ok') {
        throw new SelfTestError(`echo failed: status ${echo.status}, ${echo.message ?? ''} ${echo.stderr}`.trim());
      }
      if (box.uid !== null && uid !== String(box.uid)) {
        throw new SelfTestError(`the command ran as uid ${uid}, expected the box uid ${box.uid}`);
      }
      const slow = await this.run({ box, argv: ['/bin/sleep', '5'], limits: { wallTimeMs: 200 } });
      if (slow.status !== 'timeout') throw new SelfTestError(`a 200 ms wall limit gave status ${slow.status}`);
      if (this.isolation.layers.namespaces.available) {
        const net = await this.run({ box, argv: ['/bin/cat', '/proc/net/dev'] });
        const interfaces = [...net.stdout.matchAll(/^\s*([^\s:]+):/gm)].map((m) => m[1]);
        if (net.status !== 'ok' || interfaces.some((name) => name !== 'lo')) {
          throw new SelfTestError(`the network namespace is not empty: ${interfaces.join(', ') || net.stderr}`);
        }
      }
    } finally {
      await box.destroy();
    }
  }

  /** Kills anything still running, destroys the boxes and removes the cgroups this sandbox made. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const run of this.#running) run.stop('closed');
    await Promise.all([...this.#running].map((run) => run.done));
    // The boxes first: a warm box still starting waits for the launcher's answer.
    for (const box of [...this.#boxes.values()]) await box.destroy();
    await this.#host.launcher?.close();
    await this.#host.cgroups?.close();
    rmSync(this.dir, { recursive: true, force: true });
    this.#claim?.release();
  }
}
