import { chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { chown, mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunLimits } from './limits.ts';
import { ownedName, removeIdleCgroup, staleEntries } from './owner.ts';

// Small sysfs files are read and written synchronously: each call is a few microseconds and keeps a run's
// set-up free of extra event-loop turns. Creating and removing a cgroup directory is not (mkdir ~1.5 ms,
// rmdir ~2.4 ms in a server with charged page cache): those run in libuv's thread pool, off the run's path.

export interface CgroupMeasure {
  cpuTimeMs: number | null;
  memoryBytes: number | null;
  oomKilled: boolean;
}

/** The cgroup(s) one run lives in. */
export interface RunCgroup {
  /** Files the wrapper writes `joinPid` to, before anything of the run starts. */
  readonly joinFiles: string[];
  /** What the wrapper writes to join: `$$` (its pid) or `0` (the writing thread itself, v1 `tasks`). */
  readonly joinPid: '$$' | '0';
  /** CPU time used so far by the run, in ms. */
  cpuTimeMs(): number | null;
  /** Pids currently in the run's cgroup. */
  pids(): number[];
  /** SIGKILLs every process of the run (repeats until the cgroup is empty or `deadlineMs` passes). */
  killAll(deadlineMs?: number): Promise<boolean>;
  measure(): CgroupMeasure;
  /** Called after the run once the cgroup is empty; the directory is removed in the background. */
  release(): void;
}

export interface BoxCgroup {
  /** True when the wrapper must be root to join (cgroup v2 migration rules); then it drops to the box uid itself. */
  readonly joinNeedsRoot: boolean;
  prepare(limits: RunLimits): Promise<RunCgroup>;
  /** SIGKILLs every process of the box's runs until none is left; false if some survive. */
  killAll(): Promise<boolean>;
  /** Kills anything left and removes the box's cgroups. */
  destroy(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  readonly detail: string;
  createBox(id: number, uid: number | null): BoxCgroup;
  close(): Promise<void>;
}

interface MountInfo {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fsType, , superOptions = ''] = right.split(' ');
    if (!fsType || fields.length < 5) continue;
    mounts.push({
      root: unescapeMount(fields[3] as string),
      mountPoint: unescapeMount(fields[4] as string),
      fsType,
      superOptions: superOptions.split(','),
    });
  }
  return mounts;
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Maps controller name (or '' for the v2 hierarchy) to the cgroup path of this process. */
function ownCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, controllers = '', cgroupPath = '/'] = match;
    if (controllers === '') own.set('', cgroupPath);
    for (const controller of controllers.split(',')) if (controller) own.set(controller, cgroupPath);
  }
  return own;
}

/** Host directory of this process's cgroup inside `mount` (handles mounts of a sub-tree, as in containers). */
function cgroupDir(mount: MountInfo, ownPath: string): string {
  const relative =
    mount.root !== '/' && (ownPath === mount.root || ownPath.startsWith(`${mount.root}/`))
      ? ownPath.slice(mount.root.length)
      : ownPath;
  return path.join(mount.mountPoint, relative);
}

function readNumber(file: string): number | null {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function readKeyed(file: string, key: string): number | null {
  try {
    const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function killUntilEmpty(list: () => number[], kill: () => void, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    if (list().length === 0) return true;
    kill();
    if (Date.now() > deadline) return list().length === 0;
    await sleep(delay);
  }
}

async function removeDir(dir: string): Promise<void> {
  // rmdir of a cgroup can fail with EBUSY for a moment after its last process was reaped.
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw error;
      await sleep(10);
    }
  }
}

const prefix = 'repo-sandbox-';
const baseName = () => ownedName(prefix);

/**
 * Removes the sandbox cgroups in `parent` left by dead servers (a crash skips close()). Only those whose
 * owner (pid + start time in the name) is dead and in which no task lives: a live server's idle box
 * cgroups are empty between runs, so emptiness alone must never be the test.
 */
function removeStale(parent: string): void {
  for (const dir of staleEntries(parent, prefix, true)) removeIdleCgroup(dir);
}

// ---- cgroup v1 -------------------------------------------------------------------------------------------

const v1Controllers = ['memory', 'pids', 'cpuacct'] as const;
type V1Controller = (typeof v1Controllers)[number];

class V1Driver implements CgroupDriver {
  readonly version = 'v1' as const;
  readonly detail: string;
  readonly #bases: Record<V1Controller, string>;
  readonly #memsw: boolean;

  constructor(bases: Record<V1Controller, string>) {
    this.#bases = bases;
    this.#memsw = existsSync(path.join(bases.memory, 'memory.memsw.limit_in_bytes'));
    this.detail = `cgroup v1 (memory${this.#memsw ? '+memsw' : ', no swap accounting'}, pids, cpuacct) under ${bases.memory}`;
  }

  createBox(id: number, uid: number | null): BoxCgroup {
    const dirs = {} as Record<'pids' | 'cpuacct', string>;
    for (const controller of ['pids', 'cpuacct'] as const) {
      const dir = path.join(this.#bases[controller], `box-${id}`);
      mkdirSync(dir, { recursive: true });
      // The wrapper runs as the box uid and moves itself in: it may write only these files.
      if (uid !== null) chownJoinFiles(dir, uid);
      dirs[controller] = dir;
    }
    return new V1BoxCgroup(id, uid, this.#bases.memory, dirs, this.#memsw);
  }

  async close(): Promise<void> {
    for (const controller of v1Controllers) await removeDir(this.#bases[controller]);
  }
}

function chownJoinFiles(dir: string, uid: number): void {
  for (const file of ['cgroup.procs', 'tasks']) chownSync(path.join(dir, file), uid, uid);
}

/**
 * Run cgroups being removed in the background. Bounded: past `max` pending, the next run waits for the
 * oldest (removals that keep failing must not pile up); `drain()` waits for all (destroy, close).
 */
class Removals {
  readonly #pending = new Set<Promise<void>>();
  readonly #max = 8;

  add(dir: string, onDone: () => void): void {
    const removal: Promise<void> = removeDir(dir)
      .then(onDone, () => {
        // still busy: destroy() retries while killing what is left
      })
      .finally(() => this.#pending.delete(removal));
    this.#pending.add(removal);
  }

  async bound(): Promise<void> {
    while (this.#pending.size >= this.#max) await Promise.race(this.#pending);
  }

  async drain(): Promise<void> {
    await Promise.all(this.#pending);
  }
}

class V1BoxCgroup implements BoxCgroup {
  readonly joinNeedsRoot = false;
  readonly #id: number;
  readonly #uid: number | null;
  readonly #memoryBase: string;
  readonly #dirs: Record<'pids' | 'cpuacct', string>;
  readonly #memsw: boolean;
  readonly #live = new Set<string>();
  readonly #removals = new Removals();
  /** The next run's memory cgroup, made in the background once the previous run is over. */
  #spare: Promise<string> | null = null;
  #destroyed = false;
  #seq = 0;
  #pidsLimit = -1;

  constructor(
    id: number,
    uid: number | null,
    memoryBase: string,
    dirs: Record<'pids' | 'cpuacct', string>,
    memsw: boolean,
  ) {
    this.#id = id;
    this.#uid = uid;
    this.#memoryBase = memoryBase;
    this.#dirs = dirs;
    this.#memsw = memsw;
  }

  #file(controller: 'pids' | 'cpuacct', name: string): string {
    return path.join(this.#dirs[controller], name);
  }

  /** A new memory cgroup the box uid may join (mkdir and chown in the thread pool). */
  async #makeMemory(): Promise<string> {
    const memory = path.join(this.#memoryBase, `box-${this.#id}-${this.#seq++}`);
    await mkdir(memory);
    this.#live.add(memory);
    if (this.#uid !== null) {
      for (const file of ['cgroup.procs', 'tasks']) await chown(path.join(memory, file), this.#uid, this.#uid);
    }
    return memory;
  }

  #takeSpare(): Promise<string> {
    const spare = this.#spare;
    this.#spare = null;
    // A spare that failed (a transient error) is simply made again.
    return spare ? spare.catch(() => this.#makeMemory()) : this.#makeMemory();
  }

  async prepare(limits: RunLimits): Promise<RunCgroup> {
    // A fresh memory cgroup per run: a reused one keeps the page cache and the box's tmpfs pages of
    // earlier runs charged, which inflated the peak (an `echo` reported ~68 MB) and ate into the limit.
    // Pages charged to a removed cgroup stay with it (counted in the parent, which has no limit) until freed.
    // It was made while the box was idle (the spare), so a run seldom waits for the mkdir.
    await this.#removals.bound();
    const memory = await this.#takeSpare();
    // memory.limit <= memsw.limit must hold after every single write: a new cgroup starts unlimited.
    writeFileSync(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    if (this.#memsw) writeFileSync(path.join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    // +2: the wrapper and bubblewrap's init live in the cgroup too.
    const pidsMax = limits.processes + 2;
    if (pidsMax !== this.#pidsLimit) {
      writeFileSync(this.#file('pids', 'pids.max'), String(pidsMax));
      this.#pidsLimit = pidsMax;
    }
    writeFileSync(this.#file('cpuacct', 'cpuacct.usage'), '0');
    const oomFile = path.join(memory, 'memory.oom_control');
    const failcntFile = path.join(memory, this.#memsw ? 'memory.memsw.failcnt' : 'memory.failcnt');
    const peakFile = path.join(memory, 'memory.max_usage_in_bytes');
    const procs = this.#file('pids', 'cgroup.procs');
    // The pids cgroup is the box's, shared by its runs: once this run is over, a kill loop of it still
    // sleeping (started by a stop at the wall/CPU limit) must not see, and kill, the next run's processes.
    let released = false;
    const list = () => (released ? [] : readPids(procs));
    const cpu = () => {
      const ns = readNumber(this.#file('cpuacct', 'cpuacct.usage'));
      return ns === null ? null : ns / 1e6;
    };
    return {
      // `0` into `tasks` moves the writing thread (the single-threaded wrapper shell, so all of it) without
      // the global threadgroup lock that a `cgroup.procs` write takes: that lock waits for an RCU grace
      // period whenever it was idle, 5-12 ms on a busy host, paid by most runs (6.x kernels skip it for a
      // thread moving itself).
      joinFiles: [path.join(memory, 'tasks'), this.#file('pids', 'tasks'), this.#file('cpuacct', 'tasks')],
      joinPid: '0',
      cpuTimeMs: cpu,
      pids: list,
      killAll: (deadlineMs = 5000) => killUntilEmpty(list, () => killPids(list()), deadlineMs),
      measure: () => {
        // Kernels before 4.13 have no oom_kill counter: a hit of the hard limit is the best sign left.
        const oomKills = readKeyed(oomFile, 'oom_kill');
        const oomKilled = oomKills !== null ? oomKills > 0 : (readNumber(failcntFile) ?? 0) > 0;
        return { cpuTimeMs: cpu(), memoryBytes: readNumber(peakFile), oomKilled };
      },
      release: () => {
        if (released) return;
        released = true;
        // After the result is out: the rmdir and the next run's mkdir in the thread pool.
        this.#removals.add(memory, () => this.#live.delete(memory));
        if (!this.#spare && !this.#destroyed) {
          this.#spare = this.#makeMemory();
          this.#spare.catch(() => {}); // retried by the next prepare()
        }
      },
    };
  }

  killAll(): Promise<boolean> {
    const procs = this.#file('pids', 'cgroup.procs');
    return killUntilEmpty(
      () => readPids(procs),
      () => killPids(readPids(procs)),
      5000,
    );
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    await this.killAll();
    await this.#spare?.catch(() => {});
    this.#spare = null;
    await this.#removals.drain();
    for (const dir of this.#live) {
      await removeDir(dir);
      this.#live.delete(dir);
    }
    for (const controller of ['pids', 'cpuacct'] as const) await removeDir(this.#dirs[controller]);
  }
}

// ---- cgroup v2 -------------------------------------------------------------------------------------------

class V2Driver implements CgroupDriver {
  readonly version = 'v2' as const;
  readonly detail: string;
  readonly #base: string;

  constructor(base: string) {
    this.#base = base;
    this.detail = `cgroup v2 (memory, pids) under ${base}`;
  }

  createBox(id: number, _uid: number | null): BoxCgroup {
    return new V2BoxCgroup(this.#base, id);
  }

  async close(): Promise<void> {
    await removeDir(this.#base);
  }
}

class V2BoxCgroup implements BoxCgroup {
  // A non-root process may only migrate if it can write cgroup.procs of the common ancestor: the wrapper
  // joins as root (when root) and then drops to the box uid.
  readonly joinNeedsRoot = process.getuid?.() === 0;
  readonly #base: string;
  readonly #id: number;
  #seq = 0;
  readonly #live = new Set<string>();

  constructor(base: string, id: number) {
    this.#base = base;
    this.#id = id;
  }

  readonly #removals = new Removals();

  async prepare(limits: RunLimits): Promise<RunCgroup> {
    // One fresh cgroup per run: memory.peak, memory.events and cpu.stat start at zero without resets.
    await this.#removals.bound();
    const dir = path.join(this.#base, `box-${this.#id}-${this.#seq++}`);
    await mkdir(dir);
    this.#live.add(dir);
    writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    writeFileSync(path.join(dir, 'pids.max'), String(limits.processes + 2));
    const procs = path.join(dir, 'cgroup.procs');
    let released = false;
    const list = () => readPids(procs);
    const cpu = () => {
      const usec = readKeyed(path.join(dir, 'cpu.stat'), 'usage_usec');
      return usec === null ? null : usec / 1000;
    };
    const kill = () => {
      try {
        writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      } catch {
        killPids(list()); // kernels before 5.14
      }
    };
    return {
      joinFiles: [procs],
      joinPid: '$$',
      cpuTimeMs: cpu,
      pids: list,
      killAll: (deadlineMs = 5000) => killUntilEmpty(list, kill, deadlineMs),
      measure: () => ({
        cpuTimeMs: cpu(),
        memoryBytes: readNumber(path.join(dir, 'memory.peak')),
        oomKilled: (readKeyed(path.join(dir, 'memory.events'), 'oom_kill') ?? 0) > 0,
      }),
      release: () => {
        if (released) return;
        released = true;
        this.#removals.add(dir, () => this.#live.delete(dir));
      },
    };
  }

  /** Every run cgroup of the box not yet removed: killed until empty. */
  async killAll(): Promise<boolean> {
    let empty = true;
    for (const dir of this.#live) {
      const procs = path.join(dir, 'cgroup.procs');
      if (
        !(await killUntilEmpty(
          () => readPids(procs),
          () => killPids(readPids(procs)),
          5000,
        ))
      )
        empty = false;
    }
    return empty;
  }

  async destroy(): Promise<void> {
    await this.#removals.drain();
    for (const dir of this.#live) {
      const procs = path.join(dir, 'cgroup.procs');
      await killUntilEmpty(
        () => readPids(procs),
        () => killPids(readPids(procs)),
        5000,
      );
      await removeDir(dir);
      this.#live.delete(dir);
    }
  }
}

// ---- detection -------------------------------------------------------------------------------------------

export interface CgroupDetection {
  driver: CgroupDriver | null;
  detail: string;
}

/** Finds a cgroup hierarchy this process may write (v2 with memory+pids delegated, else v1 memory/pids/cpuacct). */
export function detectCgroups(): CgroupDetection {
  let mounts: MountInfo[];
  let own: Map<string, string>;
  try {
    mounts = parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    own = ownCgroups(readFileSync('/proc/self/cgroup', 'utf8'));
  } catch (error) {
    return { driver: null, detail: `cannot read /proc/self/mountinfo or /proc/self/cgroup: ${String(error)}` };
  }
  const reasons: string[] = [];
  const v2Mount = mounts.find((mount) => mount.fsType === 'cgroup2');
  if (v2Mount && own.has('')) {
    const ownPath = own.get('') as string;
    const v2 = tryV2(cgroupDir(v2Mount, ownPath), ownPath === '/');
    if (v2.driver) return v2;
    reasons.push(v2.detail);
  } else {
    reasons.push('no cgroup2 hierarchy mounted');
  }
  const v1 = tryV1(mounts, own);
  if (v1.driver) return v1;
  reasons.push(v1.detail);
  return { driver: null, detail: reasons.join('; ') };
}

/** Moves every process listed in `from` to `to`, again while new ones appear (a fork meanwhile stays behind). */
function moveAll(from: string, to: string): void {
  for (let round = 0; round < 10; round++) {
    const pids = readPids(from);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        writeFileSync(to, String(pid));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // exited meanwhile
      }
    }
  }
}

/** `namespaceRoot`: this process's cgroup is the root of its cgroup namespace ("0::/"), as in a container. */
function tryV2(ownDir: string, namespaceRoot: boolean): CgroupDetection {
  const need = ['memory', 'pids'];
  let available: string[];
  try {
    available = readFileSync(path.join(ownDir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch (error) {
    return { driver: null, detail: `cgroup v2 at ${ownDir} is not readable: ${String(error)}` };
  }
  const missing = need.filter((controller) => !available.includes(controller));
  if (missing.length > 0) {
    return {
      driver: null,
      detail: `cgroup v2 at ${ownDir} has no ${missing.join(', ')} controller (controllers: ${available.join(' ') || 'none'}; delegate them to this cgroup)`,
    };
  }
  const enable = need.map((controller) => `+${controller}`).join(' ');
  try {
    const enabled = readFileSync(path.join(ownDir, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
    if (!need.every((controller) => enabled.includes(controller))) {
      try {
        writeFileSync(path.join(ownDir, 'cgroup.subtree_control'), enable);
      } catch (error) {
        // "No internal processes": a cgroup with processes cannot hand controllers to children. Its processes
        // move into a leaf when the cgroup is this server's own: it is alone in it (a container's init), or
        // the cgroup is the root of its cgroup namespace (a container's cgroup, where the others are the
        // container's own, e.g. tini as PID 1). A shared cgroup of a host (a login scope) is left alone.
        const procs = path.join(ownDir, 'cgroup.procs');
        const others = readPids(procs).filter((pid) => pid !== process.pid);
        if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || (others.length > 0 && !namespaceRoot)) throw error;
        const leaf = path.join(ownDir, 'sandbox-server');
        mkdirSync(leaf, { recursive: true });
        moveAll(procs, path.join(leaf, 'cgroup.procs'));
        writeFileSync(path.join(ownDir, 'cgroup.subtree_control'), enable);
      }
    }
    removeStale(ownDir);
    const base = path.join(ownDir, baseName());
    mkdirSync(base);
    try {
      writeFileSync(path.join(base, 'cgroup.subtree_control'), enable);
    } catch (error) {
      rmdirSync(base);
      throw error;
    }
    return { driver: new V2Driver(base), detail: `cgroup v2 (memory, pids) under ${base}` };
  } catch (error) {
    return { driver: null, detail: `cgroup v2 at ${ownDir} is not writable: ${(error as Error).message}` };
  }
}

function tryV1(mounts: MountInfo[], own: Map<string, string>): CgroupDetection {
  const bases = {} as Record<V1Controller, string>;
  const made: string[] = [];
  const name = baseName();
  try {
    for (const controller of v1Controllers) {
      const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
      if (!mount) throw new Error(`cgroup v1 controller ${controller} is not mounted`);
      const parent = cgroupDir(mount, own.get(controller) ?? '/');
      removeStale(parent);
      const base = path.join(parent, name);
      mkdirSync(base);
      made.push(base);
      bases[controller] = base;
    }
  } catch (error) {
    for (const dir of made.reverse()) rmdirSync(dir);
    const message = (error as Error).message;
    return {
      driver: null,
      detail: message.startsWith('cgroup v1') ? message : `cgroup v1 is not writable: ${message}`,
    };
  }
  const driver = new V1Driver(bases);
  return { driver, detail: driver.detail };
}
