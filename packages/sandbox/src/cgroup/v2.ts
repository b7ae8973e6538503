import { closeSync, existsSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunLimits } from '../limits.ts';
import { killPids, killUntilGone } from '../procs.ts';
import { killCgroup, Removals, readKeyed, readNumber, readPids, removeDir, runView } from './sysfs.ts';
import type { BoxCgroup, CgroupDriver, RunCgroup } from './types.ts';

// cgroup v2: one hierarchy with memory and pids; CPU time comes from cpu.stat, there without a controller.

export class V2Driver implements CgroupDriver {
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
  readonly #removals = new Removals();

  constructor(base: string, id: number) {
    this.#base = base;
    this.#id = id;
  }

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
    const kill = (pids: number[]) => {
      try {
        writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      } catch {
        killPids(pids); // kernels before 5.14
      }
    };
    const rearm = (run: RunLimits, resident: readonly number[]): RunCgroup => {
      const stat = path.join(dir, 'memory.stat');
      const residentBytes = (readKeyed(stat, 'anon') ?? 0) + (readKeyed(stat, 'shmem') ?? 0);
      // The page cache earlier runs left would fill the limit and hide the run's own memory in its peak.
      const cache = (readKeyed(stat, 'file') ?? 0) - (readKeyed(stat, 'shmem') ?? 0);
      if (cache > 1024 * 1024) {
        try {
          writeFileSync(path.join(dir, 'memory.reclaim'), String(cache));
        } catch {
          // EAGAIN: not all of it could go (or no memory.reclaim before 5.19); the rest stays in the baseline
        }
      }
      writeFileSync(path.join(dir, 'memory.max'), String(run.memoryBytes + residentBytes));
      writeFileSync(path.join(dir, 'pids.max'), String(run.processes + 2 + resident.length));
      // memory.peak is reset per open file (kernels from 6.12): written, then read, through this descriptor.
      peakFd ??= openSync(path.join(dir, 'memory.peak'), 'r+');
      try {
        writeSync(peakFd, 'reset\n');
      } catch (error) {
        throw new Error(`memory.peak cannot be reset here (kernels before 6.12): ${(error as Error).message}`);
      }
      const baseline = readNumber(path.join(dir, 'memory.current')) ?? 0;
      const cpuBefore = cpu() ?? 0;
      const oomBefore = readKeyed(path.join(dir, 'memory.events'), 'oom_kill') ?? 0;
      const runCpu = () => {
        const now = cpu();
        return now === null ? null : now - cpuBefore;
      };
      const fd = peakFd;
      return runView(list, resident, {
        cpuTimeMs: runCpu,
        measure: () => {
          const text = Buffer.alloc(32);
          const peak = Number(text.toString('utf8', 0, readSync(fd, text, 0, 32, 0)).trim());
          return {
            cpuTimeMs: runCpu(),
            memoryBytes: Number.isFinite(peak) ? Math.max(0, peak - baseline) : null,
            oomKilled: (readKeyed(path.join(dir, 'memory.events'), 'oom_kill') ?? 0) > oomBefore,
          };
        },
      });
    };
    let peakFd: number | null = null;
    return {
      rearm,
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
        if (peakFd !== null) closeSync(peakFd);
        this.#removals.add(dir, () => this.#live.delete(dir));
      },
    };
  }

  /** Every run cgroup of the box not yet removed: killed until empty. */
  async killAll(spare?: ReadonlySet<number>): Promise<boolean> {
    let empty = true;
    for (const dir of this.#live) if (!(await killCgroup(dir, spare))) empty = false;
    return empty;
  }

  async destroy(): Promise<void> {
    await this.#removals.drain();
    for (const dir of this.#live) {
      await killCgroup(dir);
      await removeDir(dir);
      this.#live.delete(dir);
    }
  }
}
