export { type Box, emptyDir } from './box.ts';
export {
  BoxBusyError,
  BoxResetError,
  IsolationUnavailableError,
  SandboxOptionError,
  SelfTestError,
} from './errors.ts';
export {
  describeIsolation,
  type IsolationLayer,
  type IsolationLevel,
  type IsolationReport,
  isolationLayers,
  isolationLevels,
  levelAtLeast,
} from './isolation.ts';
export { defaultLimits, type RunLimits, resolveLimits } from './limits.ts';
export { findExecutable } from './namespaces.ts';
export { ownerTagAlive, ownTag } from './owner.ts';
export {
  type RunningProgram,
  type RunOptions,
  type RunResult,
  type RunStatus,
  Sandbox,
  type SandboxOptions,
} from './sandbox.ts';
export type { StdinSource } from './supervise.ts';
