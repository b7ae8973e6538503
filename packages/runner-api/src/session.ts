// The messages of an interactive session (WebSocket `GET /api/v2/connect`): Piston's protocol, plus an
// end-of-input message and the figures of /execute's stages in each exit. code-runner sends them, the web
// page's terminal and `runner run -i` read them with parseSessionMessage(). Plain TypeScript, no schema
// library: the page's bundle stays small.
import type { StageName } from './outcome.ts';
import type { ExecuteRequest, Stage, StageStatus } from './schemas.ts';

/** Client to server. */
export type SessionClientMessage =
  /** The fields of `POST /api/v2/execute`; its `stdin` is ignored (input comes as data). */
  | ({ type: 'init' } & ExecuteRequest)
  /** Input for the program; `eof: true` ends it (beyond Piston). */
  | { type: 'data'; stream: 'stdin'; data?: string; eof?: boolean }
  | { type: 'signal'; signal: string };

/** How one stage ended: Piston's code and signal, and what `/execute`'s stage says besides. */
export type SessionExit = { type: 'exit'; stage: StageName } & Pick<
  Stage,
  'code' | 'signal' | 'status' | 'message' | 'cpu_time' | 'wall_time' | 'memory' | 'cached'
>;

/** Server to client. */
export type SessionServerMessage =
  | { type: 'runtime'; language: string; version: string }
  | { type: 'stage'; stage: StageName }
  | { type: 'data'; stream: 'stdout' | 'stderr'; data: string }
  | SessionExit
  | { type: 'error'; message: string };

/** The close codes of a session (Piston's, 4006 and 1001 beyond it) and their reasons. */
export const sessionCloseCodes = {
  completed: [4999, 'Job Completed'],
  alreadyInitialized: [4000, 'Already Initialized'],
  initTimeout: [4001, 'Initialization Timeout'],
  error: [4002, 'Notified Error'],
  notInitialized: [4003, 'Not yet initialized'],
  onlyStdin: [4004, 'Can only write to stdin'],
  invalidSignal: [4005, 'Invalid signal'],
  /** Neither side said anything for the server's idle limit (after an error message). */
  idle: [4006, 'Idle Timeout'],
  shutdown: [1001, 'Server Shutting Down'],
} as const satisfies Record<string, readonly [number, string]>;

const statuses: readonly string[] = ['RE', 'SG', 'TO', 'OL', 'EL', 'XX', 'ML'];
const isStage = (value: unknown): value is StageName => value === 'compile' || value === 'run';
const isNumberOrNull = (value: unknown) => value === null || typeof value === 'number';
const isStringOrNull = (value: unknown) => value === null || typeof value === 'string';

/** A message from the server that is not JSON, or breaks the shape of its type. */
export class SessionMessageError extends Error {
  override name = 'SessionMessageError';
}

/**
 * A message from the server, checked. Null for a type not listed above (a later version of the protocol may
 * add some: not ours to refuse); throws SessionMessageError for one that is not JSON or breaks its type's shape.
 */
export function parseSessionMessage(text: string): SessionServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SessionMessageError(`a message that is not JSON: ${text.slice(0, 200)}`);
  }
  const broken = () => new SessionMessageError(`a message that breaks the protocol: ${text.slice(0, 500)}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw broken();
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'runtime':
      if (typeof m.language !== 'string' || typeof m.version !== 'string') throw broken();
      return { type: 'runtime', language: m.language, version: m.version };
    case 'stage':
      if (!isStage(m.stage)) throw broken();
      return { type: 'stage', stage: m.stage };
    case 'data':
      if ((m.stream !== 'stdout' && m.stream !== 'stderr') || typeof m.data !== 'string') throw broken();
      return { type: 'data', stream: m.stream, data: m.data };
    case 'error':
      if (typeof m.message !== 'string') throw broken();
      return { type: 'error', message: m.message };
    case 'exit': {
      const shaped =
        isStage(m.stage) &&
        (m.code === null || Number.isInteger(m.code)) &&
        isStringOrNull(m.signal) &&
        (m.status === null || (typeof m.status === 'string' && statuses.includes(m.status))) &&
        isStringOrNull(m.message) &&
        isNumberOrNull(m.cpu_time) &&
        typeof m.wall_time === 'number' &&
        isNumberOrNull(m.memory) &&
        (m.cached === undefined || typeof m.cached === 'boolean');
      if (!shaped) throw broken();
      return {
        type: 'exit',
        stage: m.stage as StageName,
        code: m.code as number | null,
        signal: m.signal as string | null,
        status: m.status as StageStatus | null,
        message: m.message as string | null,
        cpu_time: m.cpu_time as number | null,
        wall_time: m.wall_time as number,
        memory: m.memory as number | null,
        ...(m.cached === undefined ? {} : { cached: m.cached as boolean }),
      };
    }
    default:
      return null;
  }
}
