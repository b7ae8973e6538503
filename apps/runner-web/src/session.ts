// One interactive run over code-runner's WebSocket (`GET /api/v2/connect`, Piston's protocol): init, then the
// person's input and signals; the server answers with stages, output as it comes, and each stage's exit.
import type { StageName, StageStatus } from '@repo/runner-api';

/** The fields of an init message: those of `POST /api/v2/execute` (an init's stdin is ignored). */
export interface SessionInit {
  language: string;
  version: string;
  files: { name?: string; content: string }[];
  args?: string[];
}

/** An `exit` message: how one stage ended, with its usage. */
export interface StageExit {
  stage: StageName;
  code: number | null;
  signal: string | null;
  status: StageStatus | null;
  message: string | null;
  cpu_time: number | null;
  wall_time: number;
  memory: number | null;
}

/** How a session ended: what the server said, and how the socket closed. */
export interface SessionEnd {
  /** Whether the WebSocket opened at all (a refused upgrade — busy, unauthorised — is not told to a browser). */
  opened: boolean;
  /** The exit of each stage that ended, in order. */
  exits: StageExit[];
  /** The server's `error` message, if it sent one. */
  error: string | null;
  /** The close code: 4999 when the job completed, 1006 when the connection failed or broke. */
  code: number;
}

export interface SessionEvents {
  stage?(stage: StageName): void;
  output?(stream: 'stdout' | 'stderr', data: string): void;
  exit?(exit: StageExit): void;
}

/** The WebSocket URL of `/api/v2/connect` beside the page at `pageUrl` (ws: or wss: following its protocol). */
export function connectUrl(pageUrl: string): string {
  const url = new URL('api/v2/connect', new URL('.', pageUrl));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

const stageNames: readonly string[] = ['compile', 'run'];
const statuses: readonly string[] = ['RE', 'SG', 'TO', 'OL', 'EL', 'XX', 'ML'];
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function readExit(message: Record<string, unknown>): StageExit | null {
  if (typeof message.stage !== 'string' || !stageNames.includes(message.stage)) return null;
  return {
    stage: message.stage as StageName,
    code: numberOrNull(message.code),
    signal: stringOrNull(message.signal),
    status:
      typeof message.status === 'string' && statuses.includes(message.status) ? (message.status as StageStatus) : null,
    message: stringOrNull(message.message),
    cpu_time: numberOrNull(message.cpu_time),
    wall_time: numberOrNull(message.wall_time) ?? 0,
    memory: numberOrNull(message.memory),
  };
}

/** A running interactive session. Messages sent before the socket opens wait for it, after the init. */
export class InteractiveSession {
  /** Settles once the socket is closed, by either side; never rejects. */
  readonly ended: Promise<SessionEnd>;
  readonly #socket: WebSocket;
  readonly #events: SessionEvents;
  readonly #pending: string[] = [];
  #opened = false;
  readonly #exits: StageExit[] = [];
  #error: string | null = null;

  constructor(url: string, init: SessionInit, events: SessionEvents = {}) {
    this.#events = events;
    this.#pending.push(JSON.stringify({ type: 'init', ...init }));
    this.#socket = new WebSocket(url);
    this.#socket.addEventListener('open', () => {
      this.#opened = true;
      for (const message of this.#pending.splice(0)) this.#socket.send(message);
    });
    this.#socket.addEventListener('message', (event) => this.#receive(event.data));
    this.ended = new Promise((resolve) => {
      this.#socket.addEventListener('close', (event) =>
        resolve({ opened: this.#opened, exits: this.#exits, error: this.#error, code: event.code }),
      );
    });
  }

  /** Text for the program's stdin. */
  sendInput(data: string): void {
    if (data !== '') this.#send({ type: 'data', stream: 'stdin', data });
  }

  /** Ends the program's input (it reads end-of-file once it has read what came before). */
  endInput(): void {
    this.#send({ type: 'data', stream: 'stdin', eof: true });
  }

  signal(name: string): void {
    this.#send({ type: 'signal', signal: name });
  }

  /** Closes the socket: the server stops whatever still runs. */
  close(): void {
    this.#pending.length = 0;
    this.#socket.close(1000, 'closed by the page');
  }

  #send(message: Record<string, unknown>): void {
    const text = JSON.stringify(message);
    if (this.#socket.readyState === WebSocket.CONNECTING) this.#pending.push(text);
    else if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(text);
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    switch (m.type) {
      case 'stage':
        if (typeof m.stage === 'string' && stageNames.includes(m.stage)) this.#events.stage?.(m.stage as StageName);
        break;
      case 'data':
        if ((m.stream === 'stdout' || m.stream === 'stderr') && typeof m.data === 'string')
          this.#events.output?.(m.stream, m.data);
        break;
      case 'exit': {
        const exit = readExit(m);
        if (!exit) break;
        this.#exits.push(exit);
        this.#events.exit?.(exit);
        break;
      }
      case 'error':
        this.#error = typeof m.message === 'string' ? m.message : 'unknown error';
        break;
    }
  }
}
