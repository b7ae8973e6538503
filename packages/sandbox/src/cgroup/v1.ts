import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunLimits } from '../limits.ts';
import { killUntilGone } from '../procs.ts';
import {
  chownJoinFiles,
  chownJoinFilesAsync,
  killCgroup,
  Removals,
  readKeyed,
  readNumber,
  readPids,
  removeDir,
  runView,
} from './sysfs.ts';
import type { BoxCgroup, CgroupDriver, RunCgroup } from './types.ts';

// cgroup v1: one hierarchy per controller. The box has a pids and a cpuacct cgroup for all its runs; the
// memory cgroup is made anew for each run.

export const v1Controllers = ['memory', 'pids', 'cpuacct'] as const;
/** Page cache a warm box's cgroup may keep from run to run; more is reclaimed before the next run. */
const reclaimAbove = 1024 * 1024;
export type V1Controller = (typeof v1Controllers)[number];

export class V1Driver implements CgroupDriver {
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
    if (this.#uid !== null) await chownJoinFilesAsync(memory, this.#uid);
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
    const memoryFile = (name: string) => path.join(memory, name);
    const rearm = (run: RunLimits, resident: readonly number[]): RunCgroup => {
      // Room for what the cgroup holds that cannot be reclaimed: the resident processes' anonymous pages, and
      // the files earlier stages of the request left in the box's tmpfs (a compiled binary). Page cache can be.
      const stat = memoryFile('memory.stat');
      const residentBytes = (readKeyed(stat, 'rss') ?? 0) + (readKeyed(stat, 'shmem') ?? 0);
      const setLimit = (limit: number) => {
        const current = readNumber(memoryFile('memory.limit_in_bytes')) ?? 0;
        // memory.limit <= memsw.limit after every single write.
        const order = this.#memsw
          ? limit > current
            ? ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']
            : ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']
          : ['memory.limit_in_bytes'];
        for (const name of order) writeFileSync(memoryFile(name), String(limit));
      };
      // The page cache earlier runs left would fill the limit, and a peak measured from it would hide the
      // run's own memory: a limit just above what cannot be reclaimed makes the kernel drop it first.
      if ((readKeyed(stat, 'cache') ?? 0) - (readKeyed(stat, 'shmem') ?? 0) > reclaimAbove) {
        try {
          setLimit(residentBytes + reclaimAbove);
        } catch {
          // EBUSY: not all of it could go; what is left stays in the baseline
        }
      }
      setLimit(run.memoryBytes + residentBytes);
      writeFileSync(this.#file('pids', 'pids.max'), String(run.processes + 2 + resident.length));
      this.#pidsLimit = -1;
      writeFileSync(this.#file('cpuacct', 'cpuacct.usage'), '0');
      writeFileSync(peakFile, '0'); // the peak restarts from the usage now
      const baseline = readNumber(memoryFile('memory.usage_in_bytes')) ?? 0;
      const oomBefore = readKeyed(oomFile, 'oom_kill');
      const failBefore = readNumber(failcntFile) ?? 0;
      return runView(() => readPids(procs), resident, {
        cpuTimeMs: cpu,
        measure: () => {
          const oomKills = readKeyed(oomFile, 'oom_kill');
          const oomKilled =
            oomKills !== null && oomBefore !== null
              ? oomKills > oomBefore
              : (readNumber(failcntFile) ?? 0) > failBefore;
          const peak = readNumber(peakFile);
          return { cpuTimeMs: cpu(), memoryBytes: peak === null ? null : Math.max(0, peak - baseline), oomKilled };
        },
      });
    };
    return {
      rearm,
      // `0` into `tasks` moves the writing thread (the single-threaded wrapper shell, so all of it) without
      // the global threadgroup lock that a `cgroup.procs` write takes: that lock waits for an RCU grace
      // period whenever it was idle, 5-12 ms on a busy host, paid by most runs (6.x kernels skip it for a
      // thread moving itself).
      joinFiles: [path.join(memory, 'tasks'), this.#file('pids', 'tasks'), this.#file('cpuacct', 'tasks')],
      joinPid: '0',
      cpuTimeMs: cpu,
      pids: list,
      killAll: (deadlineMs = 5000) => killUntilGone(list, { deadlineMs }),
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

  /** The box's pids cgroup holds every process of its runs. */
  killAll(spare?: ReadonlySet<number>): Promise<boolean> {
    return killCgroup(this.#dirs.pids, spare);
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
