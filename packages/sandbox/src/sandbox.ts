import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { type Box, emptyDir, SandboxBox } from './box.ts';
import { type CgroupDriver, detectCgroups, type RunCgroup } from './cgroup/index.ts';
import { BoxBusyError, describeValue, IsolationUnavailableError, SandboxOptionError, SelfTestError } from './errors.ts';
import {
  type IsolationLayer,
  type IsolationLevel,
  type IsolationReport,
  isolationLayers,
  isolationLevels,
  levelAtLeast,
  levelOf,
} from './isolation.ts';
import { type Launched, Launcher, type LaunchRequest, notStarted, type Outcome } from './launcher.ts';
import { type RunLimits, resolveLimits } from './limits.ts';
import { type BwrapLayout, bwrapLayout, findExecutable } from './namespaces.ts';
import { CappedOutput } from './output.ts';
import { claimUids, ownedName, staleEntries, type UidClaim } from './owner.ts';
import { killGroup, killUid, tasksOfUidAsync } from './procs.ts';
import { signalName } from './signals.ts';

export interface SandboxOptions {
  /** Where box directories are created. */
  workRoot: string;
  /** Refuse (throw IsolationUnavailableError) below this level. */
  requireLevel?: IsolationLevel;
  /** How many boxes (ids 0..n-1) the caller will create; used for uid allocation. Default 64. */
  boxes?: number;
  /** First per-box uid when root (default 60000); the self-test box uses baseUid + boxes. */
  baseUid?: number;
  /** Layers not to use even where the host allows them (to run at a lower level, e.g. in tests). */
  disable?: IsolationLayer[];
}

export interface RunOptions {
  box: Box;
  /** argv[0] is resolved with PATH inside the sandbox; never a shell string. */
  argv: [string, ...string[]];
  stdin?: string | Uint8Array;
  /** Added to the minimal scrubbed env (PATH, HOME=box, LANG=C.UTF-8, TMPDIR). */
  env?: Record<string, string>;
  /** Relative to the box, default the box root. */
  cwd?: string;
  limits?: Partial<RunLimits>;
  /** Extra host paths exposed read-only at the same path (e.g. a toolchain under /opt). */
  readOnlyPaths?: string[];
  /** Abort -> kill everything, status 'aborted'. */
  signal?: AbortSignal;
}

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

const defaultBoxes = 64;
/** bubblewrap refuses more than 9000 arguments in all; its own take about a hundred. */
const maxArgs = 8000;
const defaultBaseUid = 60000;
const maxUid = 2 ** 31 - 2;
const maxUidAttempts = 64;
const instancePrefix = 'sandbox-';

/**
 * Removes instance directories of dead sandboxes (a crash skips close()): their box tmpfs mounts first,
 * never following links. Directories of live owners and names not ours are left alone.
 */
async function removeStaleInstances(workRoot: string): Promise<void> {
  for (const stale of staleEntries(workRoot, instancePrefix)) {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((point): point is string => point?.startsWith(`${stale}/`) === true);
    for (const point of mounts.reverse()) await execa('umount', [point], { reject: false });
    try {
      emptyDir(stale);
      rmdirSync(stale);
    } catch {
      // still busy (a mount we could not undo): left for a later start
    }
  }
}
const sandboxPath = '/usr/local/bin:/usr/bin:/bin';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type StopReason = 'wall' | 'cpu' | 'output' | 'aborted' | 'closed';

function internalResult(message: string, wallTimeMs = 0): RunResult {
  return {
    status: 'internal',
    exitCode: null,
    signal: null,
    timeout: null,
    outputLimit: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    wallTimeMs,
    cpuTimeMs: null,
    memoryBytes: null,
    message,
  };
}

function isMountPoint(dir: string): boolean {
  const escaped = dir.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === escaped);
}

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SandboxOptionError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** CPU seconds of waited-for children from the `times` builtin ("0m1.250000s 0m0.010000s"). */
function parseTimes(text: string): number | null {
  const lines = text.trim().split('\n');
  const children = lines[lines.length - 1];
  const match = children ? /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(children.trim()) : null;
  if (!match) return null;
  const [, um = '0', us = '0', sm = '0', ss = '0'] = match;
  return (Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)) * 1000;
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
  readonly #baseUid: number;
  readonly #cgroups: CgroupDriver | null;
  readonly #bwrap: string | null;
  readonly #layout: BwrapLayout | null;
  readonly #setpriv: string | null;
  #launcher: Launcher | null;
  readonly #boxes = new Map<number, SandboxBox>();
  readonly #running = new Set<{ stop: (reason: StopReason) => void; done: Promise<unknown> }>();
  #closed = false;

  private constructor(parts: {
    isolation: IsolationReport;
    workRoot: string;
    dir: string;
    boxes: number;
    baseUid: number;
    claim: UidClaim | null;
    cgroups: CgroupDriver | null;
    bwrap: string | null;
    layout: BwrapLayout | null;
    setpriv: string | null;
    launcher: Launcher | null;
  }) {
    this.isolation = parts.isolation;
    this.workRoot = parts.workRoot;
    this.dir = parts.dir;
    this.#boxCount = parts.boxes;
    this.#baseUid = parts.baseUid;
    this.baseUid = parts.baseUid;
    this.#claim = parts.claim;
    this.#cgroups = parts.cgroups;
    this.#bwrap = parts.bwrap;
    this.#layout = parts.layout;
    this.#setpriv = parts.setpriv;
    this.#launcher = parts.launcher;
  }

  /** Detects the layers the host allows and creates workRoot. */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    if (typeof options !== 'object' || options === null) {
      throw new SandboxOptionError(`Expected sandbox options to be an object, got ${describeValue(options)}`);
    }
    if (typeof options.workRoot !== 'string' || !path.isAbsolute(options.workRoot)) {
      throw new SandboxOptionError(
        `Expected \`workRoot\` to be an absolute path, got ${describeValue(options.workRoot)}`,
      );
    }
    if (options.requireLevel !== undefined && !isolationLevels.includes(options.requireLevel)) {
      throw new SandboxOptionError(
        `Expected \`requireLevel\` to be one of ${isolationLevels.join(', ')}, got ${describeValue(options.requireLevel)}`,
      );
    }
    const boxes = checkInteger('boxes', options.boxes ?? defaultBoxes, 1, 10000);
    const baseUid = checkInteger('baseUid', options.baseUid ?? defaultBaseUid, 1000, 2 ** 31 - 20000);
    const disable = new Set(options.disable ?? []);
    for (const layer of disable) {
      if (!isolationLayers.includes(layer)) {
        throw new SandboxOptionError(
          `Expected \`disable\` to hold layers among namespaces, cgroups, got ${describeValue(layer)}`,
        );
      }
    }
    const root = process.getuid?.() === 0;
    if (disable.has('process')) {
      throw new SandboxOptionError('The `process` layer (process group + rlimits) cannot be disabled');
    }
    if (disable.has('uid') && root) {
      throw new SandboxOptionError(
        'The `uid` layer cannot be disabled when running as root: user code never runs as root',
      );
    }

    const workRoot = path.resolve(options.workRoot);
    mkdirSync(workRoot, { recursive: true });
    if (root) {
      // Box uids must reach their own box through workRoot, but not list the other boxes.
      chmodSync(workRoot, 0o711);
      for (let dir = workRoot; dir !== '/'; ) {
        dir = path.dirname(dir);
        if ((statSync(dir).mode & 0o001) === 0) {
          throw new SandboxOptionError(
            `workRoot ${workRoot} is not reachable by the per-box uids: ${dir} is not searchable by others (chmod o+x it or choose another workRoot)`,
          );
        }
      }
    }
    await removeStaleInstances(workRoot);

    // Uids: the requested range, or the next free one when another live sandbox or a foreign process uses
    // it (each sandbox kills every process of its box uids after a run: a shared range would be fatal).
    let claim: UidClaim | null = null;
    let uidNote = '';
    if (root) {
      const span = boxes + 1; // + the self-test box
      const refusals: string[] = [];
      for (let attempt = 0; attempt < maxUidAttempts && claim === null; attempt++) {
        const first = baseUid + attempt * span;
        if (first + span - 1 > maxUid) break;
        const got = claimUids(first, first + span - 1);
        if (typeof got === 'string') refusals.push(`${first}..${first + span - 1}: ${got}`);
        else claim = got;
      }
      if (claim === null) {
        throw new SandboxOptionError(
          `No free uid range of ${span} from \`baseUid\` ${baseUid} on (tried ${refusals.length}: ${refusals.slice(0, 3).join('; ')}); choose another baseUid`,
        );
      }
      for (const uid of claim.takenOver) await killUid(uid); // orphans of a dead sandbox's boxes
      if (claim.first !== baseUid) uidNote = ` (baseUid ${baseUid} was taken: ${refusals[0]})`;
    }
    const firstUid = claim?.first ?? baseUid;
    try {
      return await Sandbox.#create(options, { workRoot, boxes, baseUid: firstUid, uidNote, claim, disable, root });
    } catch (error) {
      claim?.release();
      throw error;
    }
  }

  static async #create(
    options: SandboxOptions,
    parts: {
      workRoot: string;
      boxes: number;
      baseUid: number;
      uidNote: string;
      claim: UidClaim | null;
      disable: Set<IsolationLayer>;
      root: boolean;
    },
  ): Promise<Sandbox> {
    const { workRoot, boxes, baseUid, uidNote, claim, disable, root } = parts;
    // This instance's own directory: two sandboxes on one workRoot never touch each other's files.
    const dir = path.join(workRoot, ownedName(instancePrefix));
    mkdirSync(dir, { mode: root ? 0o711 : 0o755 });
    if (root) chmodSync(dir, 0o711);

    const layers = {} as IsolationReport['layers'];
    layers.process = { available: true, detail: 'process group + rlimits (cpu, data, nproc, fsize, nofile, core=0)' };
    layers.uid = root
      ? { available: true, detail: `per-box uid/gid ${baseUid}+box id${uidNote}` }
      : { available: false, detail: `not running as root: code runs as the server's uid ${process.getuid?.()}` };

    const etcDir = path.join(dir, '.etc');
    mkdirSync(etcDir, { recursive: true, mode: 0o755 });
    const users = [
      'root:x:0:0:root:/root:/usr/sbin/nologin',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    ];
    const groups = ['root:x:0:', 'nogroup:x:65534:'];
    if (root) {
      for (let id = 0; id <= boxes; id++) {
        const uid = baseUid + id;
        users.push(`box${id}:x:${uid}:${uid}:box ${id}:${path.join(dir, `box-${id}`)}:/bin/sh`);
        groups.push(`box${id}:x:${uid}:`);
      }
    } else {
      users.push(`sandbox:x:${process.getuid?.()}:${process.getgid?.()}:sandbox:${dir}:/bin/sh`);
      groups.push(`sandbox:x:${process.getgid?.()}:`);
    }
    writeFileSync(path.join(etcDir, 'passwd'), `${users.join('\n')}\n`, { mode: 0o644 });
    writeFileSync(path.join(etcDir, 'group'), `${groups.join('\n')}\n`, { mode: 0o644 });

    let cgroups: CgroupDriver | null = null;
    if (disable.has('cgroups')) {
      layers.cgroups = { available: false, detail: 'disabled by options' };
    } else {
      const detected = detectCgroups();
      cgroups = detected.driver;
      layers.cgroups = { available: cgroups !== null, detail: detected.detail };
    }

    const setpriv = findExecutable('setpriv');
    let bwrap: string | null = null;
    let layout: BwrapLayout | null = null;
    if (disable.has('namespaces')) {
      layers.namespaces = { available: false, detail: 'disabled by options' };
    } else {
      const found = findExecutable('bwrap');
      if (!found) {
        layers.namespaces = { available: false, detail: 'bwrap not found on PATH (apt-get install bubblewrap)' };
      } else {
        const candidate = bwrapLayout(etcDir);
        // A real trial as the box uid: bwrap may be installed yet user namespaces forbidden (container, sysctl).
        // --as-pid-1 as in the runs: bwrap's own init could outlive the outer bwrap and be left, a zombie, to
        // PID 1 (this server, in a container without an init).
        const trial = await execa(
          found,
          [...candidate.common, '--unshare-net', '--tmpfs', '/tmp', '--as-pid-1', '--', '/bin/true'],
          {
            reject: false,
            extendEnv: false,
            env: { PATH: sandboxPath },
            cwd: '/',
            ...(root ? { uid: baseUid + boxes, gid: baseUid + boxes } : {}),
            stdin: 'ignore',
            timeout: 10_000,
          },
        );
        if (trial.exitCode === 0) {
          bwrap = found;
          layout = candidate;
          const left = candidate.skipped.length > 0 ? `; left out of /etc: ${candidate.skipped.join(', ')}` : '';
          layers.namespaces = {
            available: true,
            detail: `${found}: user, mount, pid, ipc, uts, net namespaces; read-only system dirs${left}`,
          };
        } else {
          const why = String(trial.stderr || trial.shortMessage)
            .trim()
            .split('\n')[0];
          layers.namespaces = { available: false, detail: `${found} cannot create namespaces here: ${why}` };
        }
      }
    }
    if (root && cgroups?.version === 'v2' && !setpriv) {
      await cgroups.close();
      cgroups = null;
      layers.cgroups = {
        available: false,
        detail: 'cgroup v2 as root needs setpriv (util-linux) to drop to the box uid',
      };
    }

    let disk: IsolationReport['disk'] = 'rlimit';
    if (root) {
      const probe = path.join(dir, '.probe');
      mkdirSync(probe, { recursive: true });
      const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { reject: false });
      if (mounted.exitCode === 0) {
        await execa('umount', [probe]);
        disk = 'tmpfs';
      }
      rmSync(probe, { recursive: true, force: true });
    }

    const isolation: IsolationReport = {
      level: levelOf(layers, root),
      layers,
      cgroup: cgroups?.version ?? null,
      root,
      disk,
    };
    if (options.requireLevel && !levelAtLeast(isolation.level, options.requireLevel)) {
      await cgroups?.close();
      rmSync(dir, { recursive: true, force: true });
      throw new IsolationUnavailableError(options.requireLevel, isolation);
    }
    // Runs are spawned by a small launcher process, not forked from the server: a fork's cost grows with
    // the server's resident memory and is paid on its event loop (README, "Event-loop work per run").
    let launcher: Launcher | null = new Launcher({ reaper: findExecutable('tini') });
    try {
      await launcher.start();
      layers.process.detail += `; runs spawned by a launcher process (pid ${launcher.pid})${
        launcher.reaped
          ? ' under tini -s, which reaps their orphans'
          : '; tini not found: orphans of runs go to PID 1, which must reap them (apt-get install tini)'
      }`;
    } catch (error) {
      await launcher.close();
      launcher = null;
      layers.process.detail += `; launcher unavailable (${(error as Error).message}): runs spawned directly by the server`;
    }
    return new Sandbox({
      isolation,
      workRoot,
      dir,
      boxes,
      baseUid,
      claim,
      cgroups,
      bwrap,
      layout,
      setpriv,
      launcher,
    });
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
    const uid = this.isolation.root ? this.#baseUid + id : null;
    mkdirSync(dir, { recursive: true });
    let tmpfsBytes: number | null = null;
    if (this.isolation.disk === 'tmpfs') {
      const size = resolveLimits(undefined).diskBytes;
      if (isMountPoint(dir)) await execa('umount', [dir]);
      emptyDir(dir);
      const options = `size=${size},nr_inodes=16384,mode=0700,uid=${uid},gid=${uid},nosuid,nodev`;
      await execa('mount', ['-t', 'tmpfs', '-o', options, `sandbox-box-${id}`, dir]);
      tmpfsBytes = size;
    } else {
      emptyDir(dir);
      if (uid !== null) chownSync(dir, uid, uid);
      chmodSync(dir, 0o700);
    }
    const cgroup = this.#cgroups?.createBox(id, uid) ?? null;
    const box = new SandboxBox({
      id,
      dir,
      uid,
      cgroup,
      tmpfsBytes,
      onDestroy: (destroyed) => {
        if (this.#boxes.get(destroyed.id) === destroyed) this.#boxes.delete(destroyed.id);
      },
    });
    await box.killLeftovers(true);
    this.#boxes.set(id, box);
    return box;
  }

  /** Runs `argv` in the box; never throws for what the program does, only for invalid options. */
  async run(options: RunOptions): Promise<RunResult> {
    if (this.#closed) throw new SandboxOptionError('The sandbox is closed');
    const box = options.box;
    if (!(box instanceof SandboxBox) || this.#boxes.get(box.id) !== box) {
      throw new SandboxOptionError('Expected `box` to be a live box created by this sandbox');
    }
    const { argv } = options;
    if (
      !Array.isArray(argv) ||
      argv.length === 0 ||
      argv.some((arg) => typeof arg !== 'string' || arg.includes('\0'))
    ) {
      throw new SandboxOptionError(
        `Expected \`argv\` to be a non-empty array of strings without NUL bytes, got ${describeValue(argv)}`,
      );
    }
    if (argv.length > maxArgs) {
      throw new SandboxOptionError(
        `Expected \`argv\` to have at most ${maxArgs} entries (bubblewrap's limit, with room for its own), got ${argv.length}`,
      );
    }
    if (argv[0] === '') throw new SandboxOptionError('Expected `argv[0]` to name a program, got an empty string');
    const stdin = options.stdin;
    if (stdin !== undefined && typeof stdin !== 'string' && !(stdin instanceof Uint8Array)) {
      throw new SandboxOptionError(`Expected \`stdin\` to be a string or Uint8Array, got ${describeValue(stdin)}`);
    }
    const env = options.env ?? {};
    if (typeof env !== 'object' || env === null) {
      throw new SandboxOptionError(`Expected \`env\` to be an object of strings, got ${describeValue(env)}`);
    }
    for (const [key, value] of Object.entries(env)) {
      if (key === '' || key.includes('=') || key.includes('\0') || typeof value !== 'string' || value.includes('\0')) {
        throw new SandboxOptionError(`Expected \`env.${key}\` to be a string variable, got ${describeValue(value)}`);
      }
    }
    const cwd = path.resolve(box.dir, options.cwd ?? '.');
    if (cwd !== box.dir && !cwd.startsWith(`${box.dir}/`)) {
      throw new SandboxOptionError(`Expected \`cwd\` to stay inside the box, got ${describeValue(options.cwd)}`);
    }
    const readOnlyPaths = options.readOnlyPaths ?? [];
    for (const item of readOnlyPaths) {
      if (typeof item !== 'string' || !path.isAbsolute(item) || !existsSync(item)) {
        throw new SandboxOptionError(
          `Expected \`readOnlyPaths\` to hold existing absolute paths, got ${describeValue(item)}`,
        );
      }
    }
    const limits = resolveLimits(options.limits);
    if (box.busy) throw new BoxBusyError(box.id);
    if (options.signal?.aborted) {
      return { ...internalResult('aborted before start'), status: 'aborted' };
    }
    box.busy = true;
    try {
      return await this.#execute(box, argv, { stdin, env, cwd, readOnlyPaths, limits, signal: options.signal });
    } finally {
      box.busy = false;
    }
  }

  async #execute(
    box: SandboxBox,
    argv: string[],
    run: {
      stdin: string | Uint8Array | undefined;
      env: Record<string, string>;
      cwd: string;
      readOnlyPaths: string[];
      limits: RunLimits;
      signal: AbortSignal | undefined;
    },
  ): Promise<RunResult> {
    const { limits } = run;
    const namespaces = this.#bwrap !== null && this.#layout !== null;
    let cg: RunCgroup | null = null;
    try {
      cg = (await box.cgroup?.prepare(limits)) ?? null;
      await box.resize(limits.diskBytes);
    } catch (error) {
      cg?.release();
      return internalResult(`preparing box ${box.id} failed: ${(error as Error).message}`);
    }

    const env: Record<string, string> = {
      PATH: sandboxPath,
      HOME: box.dir,
      LANG: 'C.UTF-8',
      TMPDIR: namespaces ? '/tmp' : box.dir,
      ...run.env,
    };
    let command: string[] = argv;
    // Without cgroups, RLIMIT_NPROC bounds the run's processes. The kernel counts it per user namespace (5.14+):
    // set inside bwrap's, it counts this run's tasks alone; set outside, every task of the uid on the host, which
    // a process of a container or pid namespace cannot see.
    const innerNproc = cg ? '' : `ulimit -p ${limits.processes + 1} || { echo 'sandbox: ulimit -p' >&3; exit 125; }; `;
    if (namespaces && this.#bwrap && this.#layout) {
      const ro = run.readOnlyPaths.flatMap((p) => ['--ro-bind', p, p]);
      command = [
        this.#bwrap,
        ...this.#layout.common,
        ...(limits.network ? this.#layout.network : ['--unshare-net']),
        '--size',
        String(limits.diskBytes),
        '--tmpfs',
        '/tmp',
        '--bind',
        box.dir,
        box.dir,
        ...ro,
        '--chdir',
        run.cwd,
        // A shell as PID 1 instead of bwrap's own init: the outer bwrap then waits for PID 1 itself, so no
        // init is left to the host's PID 1 to reap (its zombies would stay charged to the pids cgroup). The
        // program runs as PID 2, with ordinary signal behaviour; the shell reaps orphans while it waits.
        '--as-pid-1',
        '--',
        '/bin/sh',
        '-c',
        // `ran <status>` on fd 3 says the shell started the program and saw it end: without it, a non-zero
        // exit is the sandbox's own failure (e.g. "Cannot fork"), not the program's. The program gets no fd 3.
        `${innerNproc}"$@" 3>&-; s=$?; echo "ran $s" >&3; exit $s`,
        'sh',
        ...argv,
      ];
    }

    // The wrapper: joins the cgroups and sets rlimits before anything of the run exists, then execs. Failures
    // of its own go to fd 3 so they cannot be confused with the program's output.
    const cpuSeconds = Math.ceil(limits.cpuTimeMs / 1000);
    // fd 3 reaches bwrap's shell (for its `ran` line), never a program started without one.
    const keep3 = namespaces ? '' : '3>&-';
    // What proves the program itself ran to its end: the inner shell's `ran` line, or the waiting wrapper's
    // `times`. Only a wrapper that execs the program directly (basic level with cgroups) has none.
    const proof: 'ran' | 'times' | null = namespaces ? 'ran' : cg ? null : 'times';
    const lines = [
      'f(){ echo "sandbox: $1" >&3; exit 125; }',
      ...(cg?.joinFiles ?? []).map((file) => `echo ${cg?.joinPid} > '${file}' || f 'cannot join cgroup ${file}'`),
      "ulimit -c 0 || f 'ulimit -c'",
      `ulimit -n ${limits.openFiles} || f 'ulimit -n ${limits.openFiles}'`,
      `ulimit -f ${Math.floor(limits.fileSizeBytes / 512)} || f 'ulimit -f'`,
      `ulimit -S -t ${cpuSeconds} && ulimit -H -t ${cpuSeconds + 1} || f 'ulimit -t'`,
    ];
    if (!cg) {
      lines.push(`ulimit -d ${Math.ceil(limits.memoryBytes / 1024)} || f 'ulimit -d'`);
      if (!namespaces) {
        // No user namespace of its own: RLIMIT_NPROC counts every task (thread) of the uid, the wrapper's and,
        // without a per-box uid, all of the server's own, as far as this process can see them.
        const others = box.uid === null ? await tasksOfUidAsync(process.getuid?.() ?? 0) : 0;
        lines.push(`ulimit -p ${limits.processes + 1 + others} || f 'ulimit -p'`);
      }
      // Not exec: the shell stays to report the CPU time of everything it waited for (its `times` line also
      // says it could fork the command).
      lines.push(`"$@" ${keep3}; s=$?; times >&3; exit $s`);
    } else if (box.cgroup?.joinNeedsRoot && box.uid !== null && this.#setpriv) {
      lines.push(
        `exec ${this.#setpriv} --reuid=${box.uid} --regid=${box.uid} --clear-groups --inh-caps=-all --bounding-set=-all -- "$@" ${keep3}`,
      );
    } else {
      lines.push(`exec "$@" ${keep3}`);
    }
    const dropInSpawn = box.uid !== null && !box.cgroup?.joinNeedsRoot;
    const wrapped = namespaces || !cg; // bwrap and a waiting shell report a signal as exit 128+n

    const started = performance.now();
    const stdout = new CappedOutput(limits.stdoutBytes);
    const stderr = new CappedOutput(limits.stderrBytes);
    let control = '';
    let outputLimit: 'stdout' | 'stderr' | null = null;
    let reason: StopReason | null = null;
    let pid: number | undefined;
    const stop = (why: StopReason) => {
      if (reason !== null) return;
      reason = why;
      if (pid !== undefined) killGroup(pid);
      void cg?.killAll(2000);
    };
    const onAbort = () => stop('aborted');
    run.signal?.addEventListener('abort', onAbort, { once: true });
    let finish: (value: unknown) => void = () => {};
    const tracker = { stop, done: new Promise((resolve) => (finish = resolve)) };
    // Tracked from before the spawn: the launcher answers asynchronously, and an abort or close() meanwhile
    // must still kill the run once its pid is known.
    this.#running.add(tracker);
    let wallTimer: NodeJS.Timeout | undefined;
    let cpuTimer: NodeJS.Timeout | null = null;
    try {
      let launched: Launched;
      try {
        launched = await this.#launch({
          file: '/bin/sh',
          args: ['-c', lines.join('\n'), 'sandbox', ...command],
          env,
          cwd: namespaces ? box.dir : run.cwd,
          stdin: run.stdin !== undefined,
          ...(dropInSpawn ? { uid: box.uid as number, gid: box.uid as number } : {}),
        });
      } catch (error) {
        run.signal?.removeEventListener('abort', onAbort);
        cg?.release();
        return internalResult(`starting the command failed: ${(error as Error).message}`);
      }
      pid = launched.pid;
      if (pid !== undefined) trackGroup(pid);
      if (reason !== null && pid !== undefined) killGroup(pid); // stopped while it was being started
      launched.stdout?.on('data', (chunk: Buffer) => {
        if (!stdout.push(chunk) && outputLimit === null) {
          outputLimit = 'stdout';
          stop('output');
        }
      });
      launched.stderr?.on('data', (chunk: Buffer) => {
        if (!stderr.push(chunk) && outputLimit === null) {
          outputLimit = 'stderr';
          stop('output');
        }
      });
      launched.control?.on('data', (chunk: Buffer) => {
        if (control.length < 4096) control += chunk.toString('utf8');
      });
      if (run.stdin !== undefined && launched.stdin) {
        launched.stdin.on('error', () => {}); // EPIPE when the program does not read its input
        launched.stdin.end(typeof run.stdin === 'string' ? Buffer.from(run.stdin) : run.stdin);
      }

      wallTimer = setTimeout(() => stop('wall'), Math.max(0, limits.wallTimeMs - (performance.now() - started)));
      cpuTimer = cg
        ? setInterval(
            () => {
              const used = cg?.cpuTimeMs();
              if (used != null && used >= limits.cpuTimeMs) stop('cpu');
            },
            Math.min(50, limits.cpuTimeMs),
          )
        : null;

      const outcome = await launched.exited;
      if (pid !== undefined) liveGroups.delete(pid);
      const wallTimeMs = performance.now() - started;
      clearTimeout(wallTimer);
      if (cpuTimer) clearInterval(cpuTimer);
      run.signal?.removeEventListener('abort', onAbort);

      // Nothing of the run may outlive it: its process group, its cgroup, every process of the box uid.
      // An error outcome after a start (the launcher died) is a kill from outside as well.
      const killedFromOutside = reason !== null || ('error' in outcome && pid !== undefined);
      let internal: string | null = null;
      if (pid !== undefined) killGroup(pid);
      if (cg && !(await cg.killAll())) internal = 'processes of the run survived SIGKILL';
      // Killed from outside, bwrap dies before the processes of its namespace finish exiting: wait for them.
      else if (cg && killedFromOutside && box.uid !== null && !(await killUid(box.uid))) {
        internal = `processes of uid ${box.uid} survive`;
      } else if (!cg && box.uid !== null && !(await killUid(box.uid))) internal = `processes of uid ${box.uid} survive`;
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

      if ('error' in outcome) {
        cg?.release();
        const what = pid === undefined ? 'starting the command failed' : 'the run was killed';
        return internalResult(`${what}: ${internal ?? outcome.error.message}`, wallTimeMs);
      }
      const measured = cg?.measure() ?? null;
      cg?.release();
      let exitCode = outcome.code;
      let signal: string | null = outcome.signal;
      const controlMessage = /^sandbox: (.*)$/m.exec(control)?.[1];
      if (exitCode === 125 && controlMessage) internal = `sandbox wrapper failed: ${controlMessage}`;
      if (signal === null && wrapped && exitCode !== null && exitCode > 128 && exitCode <= 128 + 64) {
        signal = signalName(exitCode - 128);
        exitCode = null;
      }
      const cpuTimeMs = measured ? measured.cpuTimeMs : parseTimes(control);
      const proven =
        proof === 'ran' ? /^ran \d+$/m.test(control) : proof === 'times' ? parseTimes(control) !== null : true;
      const result: RunResult = {
        status: 'ok',
        exitCode,
        signal,
        timeout: null,
        outputLimit,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.overflowed,
        stderrTruncated: stderr.overflowed,
        wallTimeMs: Math.round(wallTimeMs * 1000) / 1000,
        cpuTimeMs: cpuTimeMs === null ? null : Math.round(cpuTimeMs * 1000) / 1000,
        memoryBytes: measured?.memoryBytes ?? null,
        message: null,
      };
      const stoppedBy = reason as StopReason | null;
      if (stoppedBy === 'aborted' || stoppedBy === 'closed') {
        result.status = 'aborted';
        result.message = stoppedBy === 'closed' ? 'the sandbox was closed' : 'aborted by the caller';
      } else if (internal) {
        result.status = 'internal';
        result.message = internal;
      } else if (outputLimit) {
        result.status = 'output';
        result.message = `${outputLimit} exceeded its limit of ${limits[outputLimit === 'stdout' ? 'stdoutBytes' : 'stderrBytes']} bytes`;
      } else if (measured?.oomKilled) {
        result.status = 'memory';
        result.message = `memory limit of ${limits.memoryBytes} bytes exceeded`;
      } else if (stoppedBy === 'wall') {
        result.status = 'timeout';
        result.timeout = 'wall';
        result.message = `wall time limit of ${limits.wallTimeMs} ms exceeded`;
      } else if (
        stoppedBy === 'cpu' ||
        signal === 'SIGXCPU' ||
        (signal === 'SIGKILL' && cpuTimeMs !== null && cpuTimeMs >= limits.cpuTimeMs)
      ) {
        result.status = 'timeout';
        result.timeout = 'cpu';
        result.message = `CPU time limit of ${limits.cpuTimeMs} ms exceeded`;
      } else if (!proven) {
        // The wrapper, bwrap or its shell failed (cannot fork, cannot create a namespace): the server's fault.
        result.status = 'internal';
        const said = stderr.text().trim().split('\n').slice(-2).join(' | ');
        result.message = `the sandbox failed before the program ended (${signal ?? `exit status ${exitCode}`}): ${said || 'no message'}`;
      } else if (signal) {
        result.status = 'signaled';
        result.message =
          signal === 'SIGXFSZ' ? `file size limit of ${limits.fileSizeBytes} bytes exceeded` : `killed by ${signal}`;
      } else if (exitCode !== 0) {
        result.status = 'runtime-error';
        result.message = `exit status ${exitCode}`;
      }
      return result;
    } finally {
      clearTimeout(wallTimer);
      if (cpuTimer) clearInterval(cpuTimer);
      run.signal?.removeEventListener('abort', onAbort);
      this.#running.delete(tracker);
      finish(null);
    }
  }

  /** Pid of the launcher process that spawns the runs; null when none runs (not started yet, or the fallback). */
  get launcherPid(): number | null {
    return this.#launcher?.pid ?? null;
  }

  /** Through the launcher (restarted if it died); directly when it cannot be started. */
  async #launch(request: LaunchRequest): Promise<Launched> {
    if (this.#launcher) {
      try {
        return await this.#launcher.spawn(request);
      } catch (error) {
        if (this.#closed) throw error;
        const launcher = this.#launcher;
        this.#launcher = null;
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
    await this.#launcher?.close();
    for (const box of [...this.#boxes.values()]) await box.destroy();
    await this.#cgroups?.close();
    rmSync(this.dir, { recursive: true, force: true });
    this.#claim?.release();
  }
}

/** Process groups of runs in progress, SIGKILLed if the server exits without close(). */
const liveGroups = new Set<number>();
let exitHook = false;

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const pgid of liveGroups) killGroup(pgid);
    });
  }
}

// The fallback when no launcher runs. node:child_process directly, not execa: its promise and stream
// plumbing cost ~1.2 ms per run here, and a run needs none of it (raw pipes with byte caps, its own exit
// handling).
function launchDirect(request: LaunchRequest): Launched {
  let child: ChildProcess;
  try {
    child = spawn(request.file, request.args, {
      env: request.env,
      cwd: request.cwd,
      stdio: [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole
      ...(request.uid !== undefined ? { uid: request.uid, gid: request.gid } : {}),
    });
  } catch (error) {
    return notStarted(error as Error);
  }
  // Listened to in the tick of the spawn: a failure (EACCES, ENOENT) is emitted on the next one.
  const exited = new Promise<Outcome>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
  child.on('error', () => {}); // a later error event must not crash the server
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    control: child.stdio[3] as Readable | null,
    exited,
  };
}
