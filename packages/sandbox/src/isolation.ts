export type IsolationLayer = 'process' | 'namespaces' | 'cgroups' | 'uid';

/**
 * basic = process group + rlimits; namespaces = + bubblewrap (mount/pid/ipc/uts/net/user ns, ro system dirs);
 * full = + cgroups (memory/pids/cpu accounting, OOM detection) and, when root, per-box uid/gid.
 */
export type IsolationLevel = 'basic' | 'namespaces' | 'full';

export const isolationLevels: readonly IsolationLevel[] = ['basic', 'namespaces', 'full'];
export const isolationLayers: readonly IsolationLayer[] = ['process', 'namespaces', 'cgroups', 'uid'];

export interface IsolationReport {
  level: IsolationLevel;
  /** detail = why a layer is missing, or what is used for it. */
  layers: Record<IsolationLayer, { available: boolean; detail: string }>;
  cgroup: 'v2' | 'v1' | null;
  root: boolean;
  /** How the total bytes written in a box are bounded: a tmpfs of that size, or only RLIMIT_FSIZE per file. */
  disk: 'tmpfs' | 'rlimit';
  /** The box's path as programs see it: '/box' in a mount namespace; null without one (its host path). */
  boxPath: string | null;
  /** Where a run's figures come from: its cgroup, the kernel's rusage of the waited processes, or nothing. */
  usage: { memory: 'cgroup' | 'rusage' | null; cpuTime: 'cgroup' | 'rusage' | 'times' | null };
  /**
   * How a run starts: `warm` (forked by the init of a long-lived box, in fresh pid, mount and IPC namespaces)
   * or `cold` (a new bwrap, or at basic a wrapper shell, per run); `detail` says why when it is cold.
   */
  runPath: { kind: 'warm' | 'cold'; detail: string };
}

export function levelOf(layers: IsolationReport['layers'], root: boolean): IsolationLevel {
  if (!layers.namespaces.available) return 'basic';
  if (!layers.cgroups.available || (root && !layers.uid.available)) return 'namespaces';
  return 'full';
}

export function levelAtLeast(level: IsolationLevel, required: IsolationLevel): boolean {
  return isolationLevels.indexOf(level) >= isolationLevels.indexOf(required);
}

/** One line for a log: the level and, for each missing layer, why. */
export function describeIsolation(report: IsolationReport): string {
  const parts = Object.entries(report.layers).map(
    ([name, layer]) => `${name}=${layer.available ? 'on' : 'off'} (${layer.detail})`,
  );
  const usage = `memory from ${report.usage.memory ?? 'nothing (unmeasured)'}, CPU time from ${report.usage.cpuTime ?? 'nothing (unmeasured)'}`;
  return `isolation level ${report.level}: ${parts.join('; ')}; disk limit via ${report.disk}; ${usage}; box at ${report.boxPath ?? 'its host path (no mount namespace)'}; run path ${report.runPath.kind} (${report.runPath.detail})`;
}
