// Cgroups of the sandbox: detection picks a writable hierarchy (v2, else v1); its driver makes a cgroup per
// box and per run.
export { detectCgroups } from './detect.ts';
export type { BoxCgroup, CgroupDetection, CgroupDriver, CgroupMeasure, RunCgroup, WarmCgroups } from './types.ts';
