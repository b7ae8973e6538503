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
export * from './schemas.ts';
