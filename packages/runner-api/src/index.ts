export {
  type CallOptions,
  createRunnerClient,
  RunnerBusyError,
  type RunnerClient,
  type RunnerClientOptions,
  RunnerHttpError,
  RunnerProtocolError,
  RunnerUnreachableError,
} from './client.ts';
export {
  classifyExecution,
  classifyStage,
  type ExecutionOutcome,
  type LimitHit,
  notRunStage,
  type OutcomeKind,
  type StageEnding,
  type StageName,
} from './outcome.ts';
export * from './schemas.ts';
export {
  parseSessionMessage,
  type SessionClientMessage,
  type SessionExit,
  SessionMessageError,
  type SessionServerMessage,
  sessionCloseCodes,
} from './session.ts';
