import { chownSync, existsSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunLimits } from '../limits.ts';
import { killPids, killUntilGone } from '../procs.ts';
import { killCgroup, Removals, readKeyed, readNumber, readPids, removeDir } from './sysfs.ts';
import type { BoxCgroup, CgroupDriver, RunCgroup, WarmCgroups } from './types.ts';

// cgroup v2: one hierarchy with memory and pids; CPU time comes from cpu.stat, there without a controller.

export class V2Driver implements CgroupDriver {
  readonly version = 'v2' as const;
  readonly detail: string;
  readonly #base: string;

  constructor(base: string) {
    this.#base = base;
    this.detail = `cgroup v2 (memory, pids) under ${base}`;
  }

  createBox(id: number, uid: number | null): BoxCgroup {
    return new V2BoxCgroup(this.#base, id, uid);
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
  readonly #uid: number | null;
  #seq = 0;
  readonly #live = new Set<string>();
  readonly #removals = new Removals();

  constructor(base: string, id: number, uid: number | null) {
    this.#base = base;
    this.#id = id;
    this.#uid = uid;
  }

  prepare(limits: RunLimits): Promise<RunCgroup> {
    // One fresh cgroup per run: memory.peak, memory.events and cpu.stat start at zero without resets.
    return this.#make(path.join(this.#base, `box-${this.#id}-${this.#seq++}`), limits);
  }

  async warm(limits: RunLimits): Promise<WarmCgroups> {
    const top = path.join(this.#base, `box-${this.#id}-${this.#seq++}`);
    await this.#removals.bound();
    await mkdir(top);
    this.#live.add(top);
    let runs = 0;
    try {
      writeFileSync(path.join(top, 'cgroup.subtree_control'), '+memory +pids');
      // The init (the box uid) clones runs from its own cgroup into a sibling: it must be able to write
      // cgroup.procs of both and of their common ancestor, as for any migration.
      if (this.#uid !== null) chownSync(path.join(top, 'cgroup.procs'), this.#uid, this.#uid);
      const home = await this.#make(path.join(top, 'init'), limits);
      return {
        home,
        runs: top,
        prepare: (run) => this.#make(path.join(top, `run-${runs++}`), run, true),
        release: async () => {
          await home.killAll(5000);
          home.release();
          await this.#removals.drain();
          try {
            await removeDir(top);
            this.#live.delete(top);
          } catch {
            // still busy (a process of the box not yet released): destroy() retries
          }
        },
      };
    } catch (error) {
      await removeDir(top);
      this.#live.delete(top);
      throw error;
    }
  }

  /** A cgroup with the run's limits; `owned`: its cgroup.procs is the box uid's (a warm init clones into it). */
  async #make(dir: string, limits: RunLimits, owned = false): Promise<RunCgroup> {
    await this.#removals.bound();
    await mkdir(dir);
    this.#live.add(dir);
    writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    writeFileSync(path.join(dir, 'pids.max'), String(limits.processes + 2));
    const procs = path.join(dir, 'cgroup.procs');
    if (owned && this.#uid !== null) chownSync(procs, this.#uid, this.#uid);
    let released = false;
    const list = () => readPids(procs);
    const cpu = () => {
      const usec = readKeyed(path.join(dir, 'cpu.stat'), 'usage_usec');
      return usec === null ? null : usec / 1000;
    };
    const kill = (pids: number[]) => {
      try {
        writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      } catch {
        killPids(pids); // kernels before 5.14
      }
    };
    return {
      ...(owned ? { into: path.basename(dir) } : {}),
      joinFiles: [procs],
      joinPid: '$$',
      cpuTimeMs: cpu,
      pids: list,
      killAll: (deadlineMs = 5000) => killUntilGone(list, { kill, deadlineMs }),
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

  /** Every cgroup of the box not yet removed (but the processes `spare`): killed until empty. */
  async killAll(spare?: ReadonlySet<number>): Promise<boolean> {
    let empty = true;
    for (const dir of this.#live) if (!(await killCgroup(dir, spare))) empty = false;
    return empty;
  }

  async destroy(): Promise<void> {
    await this.#removals.drain();
    // Children before their parent (a warm box's runs and home before its top).
    for (const dir of [...this.#live].sort((a, b) => b.length - a.length)) {
      await killCgroup(dir);
      await removeDir(dir);
      this.#live.delete(dir);
    }
  }
}
