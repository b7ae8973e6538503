// One interactive run over code-runner's WebSocket (`GET /api/v2/connect`, Piston's protocol): init, then the
// person's input and signals; the server answers with stages, output as it comes, and each stage's exit.
import {
  parseSessionMessage,
  type SessionClientMessage,
  type SessionExit,
  type SessionServerMessage,
  type StageName,
} from '@repo/runner-api';

/** The fields of an init message: those of `POST /api/v2/execute` (an init's stdin is ignored). */
export interface SessionInit {
  language: string;
  version: string;
  files: { name?: string; content: string }[];
  args?: string[];
}

/** An `exit` message: how one stage ended, with its usage. */
export type StageExit = Omit<SessionExit, 'type'>;

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

  #send(message: SessionClientMessage): void {
    const text = JSON.stringify(message);
    if (this.#socket.readyState === WebSocket.CONNECTING) this.#pending.push(text);
    else if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(text);
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: SessionServerMessage | null;
    try {
      message = parseSessionMessage(data);
    } catch {
      return; // a broken message: the page shows what it can of the rest
    }
    switch (message?.type) {
      case 'stage':
        this.#events.stage?.(message.stage);
        break;
      case 'data':
        this.#events.output?.(message.stream, message.data);
        break;
      case 'exit': {
        const { type: _type, ...exit } = message;
        this.#exits.push(exit);
        this.#events.exit?.(exit);
        break;
      }
      case 'error':
        this.#error = message.message;
        break;
    }
  }
}
