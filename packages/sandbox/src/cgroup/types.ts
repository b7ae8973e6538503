import type { RunLimits } from '../limits.ts';

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
  /** A warm run's own cgroup (v2): its name in the box's runs directory, which the init clones the run into. */
  readonly into?: string;
  /**
   * For the cgroup of a warm box, which its long-lived processes (`resident`) joined once: re-arms it for one
   * run without moving a process (the limits written with room for the resident ones, the peak and counters
   * reset) and returns the run's view of it. The view measures the run alone, its kills spare `resident`, and
   * its release() keeps the cgroup. Throws when a reset fails (the box is then rebuilt, never lent dirty).
   */
  rearm?(limits: RunLimits, resident: readonly number[]): RunCgroup;
}

/**
 * The cgroups of a warm box on cgroup v2: `<box>/init` for its own processes (joined once, at its start), and
 * a fresh `<box>/run-K` per run, which its init clones the run straight into (CLONE_INTO_CGROUP). No process
 * moves per run (a move waits for an RCU grace period), and every figure starts at zero without a reset
 * (memory.peak cannot be reset before kernel 6.12).
 */
export interface WarmCgroups {
  /** The cgroup the box's own processes join. */
  readonly home: RunCgroup;
  /** Host directory of the runs' cgroups, bound into the box for its init. */
  readonly runs: string;
  /** A run's fresh cgroup (its `into` names it). */
  prepare(limits: RunLimits): Promise<RunCgroup>;
  /** Kills what is left in them and removes the box's cgroups. */
  release(): Promise<void>;
}

export interface BoxCgroup {
  /** True when the wrapper must be root to join (cgroup v2 migration rules); then it drops to the box uid itself. */
  readonly joinNeedsRoot: boolean;
  prepare(limits: RunLimits): Promise<RunCgroup>;
  /** The cgroups of a warm box, where runs are cloned into their own (v2); absent where the home is re-armed (v1). */
  warm?(limits: RunLimits): Promise<WarmCgroups>;
  /** SIGKILLs every process of the box's runs (but `spare`: a warm box's own) until none is left; false if some survive. */
  killAll(spare?: ReadonlySet<number>): Promise<boolean>;
  /** Kills anything left and removes the box's cgroups. */
  destroy(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  readonly detail: string;
  createBox(id: number, uid: number | null): BoxCgroup;
  close(): Promise<void>;
}

export interface CgroupDetection {
  driver: CgroupDriver | null;
  detail: string;
}
