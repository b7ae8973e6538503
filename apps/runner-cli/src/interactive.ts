// `runner run -i`: one session of code-runner's interactive protocol (GET /api/v2/connect, Piston's), with the
// `ws` client because it sends our Authorization header and reads a refused upgrade's status and body, which
// Node's global WebSocket cannot. The program's output is written as it comes; runner's own stdin goes to the
// program as it comes, and its end becomes the program's end of input.
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  type ExecuteRequest,
  type ExecuteResponse,
  notRunStage,
  parseSessionMessage,
  RunnerBusyError,
  RunnerHttpError,
  RunnerProtocolError,
  RunnerUnreachableError,
  type SessionClientMessage,
  SessionMessageError,
  type SessionServerMessage,
  type Stage,
  sessionCloseCodes,
} from '@repo/runner-api';
import WebSocket from 'ws';

/** The signals an interactive run forwards to the program (Ctrl-C, Ctrl-\, a hangup, kill). */
export const forwardedSignals = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof forwardedSignals)[number];

/** Where the signals sent to runner itself come from: while a listener is set, they are its alone. */
export interface SignalSource {
  /** Sets the listener; the function returned takes it away again. */
  forward(listener: (signal: ForwardedSignal) => void): () => void;
}

export interface InteractiveIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  signals?: SignalSource;
  /** Ends the session at once, as an interrupt (when there is no signal source). */
  signal?: AbortSignal;
}

export interface InteractiveOptions {
  /** The server's base URL, e.g. http://127.0.0.1:10100. */
  url: string;
  apiKey?: string;
  /** What init carries: the fields of /execute (its stdin is not sent; stdin streams). */
  request: Omit<ExecuteRequest, 'stdin'>;
}

/** The server refused the init (unknown language, a limit above its maximum, …): its message, as /execute says it. */
export class SessionRefusedError extends Error {
  override name = 'SessionRefusedError';
}

/** The server ended a running session before the job completed: its error message, or the close code. */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError';
  /** True when the server ended the session for being idle (no input and no output for its idle limit). */
  readonly idle: boolean;
  constructor(message: string, idle = false) {
    super(message);
    this.idle = idle;
  }
}

/** The connection broke in the middle of the session (no close frame from the server). */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
}

/** runner itself was told to stop (a repeated Ctrl-C, or one while no program runs): the session was closed. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  readonly signal: ForwardedSignal;
  constructor(signal: ForwardedSignal) {
    super(`interrupted (${signal}): the session was closed, which stops the program`);
    this.signal = signal;
  }
  /** 128+n, as a shell reports a command killed by signal n. */
  get exitCode(): number {
    return 128 + constants.signals[this.signal];
  }
}

/** runner's stdout or stderr was closed under it (e.g. `runner run -i app.py | head -1`). */
export class OutputClosedError extends Error {
  override name = 'OutputClosedError';
  /** 141, as a shell reports a program killed by SIGPIPE when its reader went away. */
  readonly exitCode = 128 + constants.signals.SIGPIPE;
}

/** A second signal within this long of the first ends runner instead of reaching the program again. */
const repeatWindowMs = 1000;
/** Stdin read but not yet written to the connection; past it, runner's stdin is paused. */
const stdinInFlightBytes = 1024 * 1024;

/** `http://host:port/base` → `ws://host:port/base/api/v2/connect`. */
export function connectUrl(baseUrl: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/v2/connect`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

function retryAfter(value: string | undefined): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The refused upgrade's message, from its JSON body as /execute's errors carry it. */
function refusalMessage(status: number, body: string): string {
  try {
    const json = JSON.parse(body) as { message?: unknown; error?: unknown };
    if (typeof json.message === 'string') return json.message;
    if (typeof json.error === 'string') return json.error;
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 500) || `HTTP ${status}`;
}

/**
 * Runs one interactive session to its end and resolves to an answer shaped like /execute's, for the exit code:
 * the run stage's output was already written (its stdout and stderr are empty here); the compile stage's is
 * kept, since the non-interactive run prints it only when the compile fails.
 */
export function runInteractive(options: InteractiveOptions, io: InteractiveIO): Promise<ExecuteResponse> {
  const url = connectUrl(options.url);
  const headers: Record<string, string> = {};
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  // A Ctrl-C while the files were read (before a signal source took it) cancels the session before it starts.
  if (io.signal?.aborted) return Promise.reject(new InterruptedError('SIGINT'));
  return new Promise<ExecuteResponse>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    let settled = false;
    let runtime: { language: string; version: string } | null = null;
    let stage: 'compile' | 'run' | null = null;
    /** The program (or compiler) is running: a signal goes to it. */
    let running = false;
    let serverError: string | null = null;
    const exits: Partial<Record<'compile' | 'run', Stage>> = {};
    const compileOutput = { stdout: '', stderr: '' };
    let lastSignal: { signal: ForwardedSignal; at: number } | null = null;

    const input = stdinForwarder();
    const stopSignals = io.signals?.forward(onSignal);
    const onAbort = () => interrupt('SIGINT');
    io.signal?.addEventListener('abort', onAbort, { once: true });
    const outputErrors = [io.stdout, io.stderr].map((stream) => {
      const listener = (error: NodeJS.ErrnoException) =>
        finish(() =>
          reject(new OutputClosedError(`cannot write the program's output (${error.code ?? error.message})`)),
        );
      stream.on('error', listener);
      return () => stream.off('error', listener);
    });

    function finish(settle: () => void, terminate = true): void {
      if (settled) return;
      settled = true;
      input.stop();
      stopSignals?.();
      io.signal?.removeEventListener('abort', onAbort);
      for (const off of outputErrors) off();
      if (terminate) socket.terminate();
      settle();
    }

    function send(message: SessionClientMessage, sent?: () => void): void {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify(message), sent);
    }

    function interrupt(signal: ForwardedSignal): void {
      finish(() => reject(new InterruptedError(signal)));
    }

    function onSignal(signal: ForwardedSignal) {
      const now = Date.now();
      const repeated = lastSignal?.signal === signal && now - lastSignal.at < repeatWindowMs;
      lastSignal = { signal, at: now };
      if (!running || repeated) return interrupt(signal);
      send({ type: 'signal', signal });
    }

    /** Forwards runner's stdin, from begin() (the session is open) to stop(). */
    function stdinForwarder(): { begin(): void; stop(): void } {
      const { stdin } = io;
      const decoder = new StringDecoder('utf8');
      let inFlight = 0;
      let started = false;
      const onData = (chunk: Buffer | string) => {
        const data = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (data === '') return;
        const bytes = Buffer.byteLength(data);
        inFlight += bytes;
        // The program reads slower than we read: wait for the connection to take what we sent.
        if (inFlight > stdinInFlightBytes) stdin.pause();
        send({ type: 'data', stream: 'stdin', data }, () => {
          inFlight -= bytes;
          if (inFlight <= stdinInFlightBytes / 2 && !settled && stdin.isPaused()) stdin.resume();
        });
      };
      const onEnd = () => {
        const rest = decoder.end();
        if (rest !== '') send({ type: 'data', stream: 'stdin', data: rest });
        send({ type: 'data', stream: 'stdin', eof: true });
      };
      return {
        begin() {
          started = true;
          stdin.on('data', onData);
          stdin.once('end', onEnd);
          stdin.once('error', onEnd);
          stdin.resume();
        },
        stop() {
          if (!started) return;
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.off('error', onEnd);
          // A terminal or a pipe not read to its end would keep runner alive.
          stdin.pause();
          if (!stdin.readableEnded) stdin.destroy();
        },
      };
    }

    const pausedBy = new Set<Writable>();
    function write(stream: Writable, data: string): void {
      if (stream.write(data) || pausedBy.has(stream)) return;
      // The terminal or pipe is slower than the program: stop reading the socket until it drains.
      pausedBy.add(stream);
      socket.pause();
      stream.once('drain', () => {
        pausedBy.delete(stream);
        if (pausedBy.size === 0) socket.resume();
      });
    }

    function receive(raw: WebSocket.RawData) {
      let message: SessionServerMessage | null;
      try {
        message = parseSessionMessage(raw.toString());
      } catch (error) {
        if (error instanceof SessionMessageError) return protocolError(error.message);
        throw error;
      }
      // null: a message type of a later version of the protocol, not ours to refuse.
      switch (message?.type) {
        case 'runtime':
          runtime = { language: message.language, version: message.version };
          return;
        case 'stage':
          stage = message.stage;
          running = true;
          return;
        case 'data':
          if (stage === 'compile') compileOutput[message.stream] += message.data;
          else write(message.stream === 'stdout' ? io.stdout : io.stderr, message.data);
          return;
        case 'exit': {
          const { type: _type, stage: ended, ...figures } = message;
          const output = ended === 'compile' ? compileOutput : { stdout: '', stderr: '' };
          exits[ended] = { ...output, output: output.stdout + output.stderr, ...figures };
          running = false;
          return;
        }
        case 'error':
          serverError = message.message;
          return;
      }
    }

    function protocolError(problem: string): void {
      finish(() => reject(new RunnerProtocolError(url, `the server sent ${problem}`)));
    }

    function completed() {
      const { compile, run } = exits;
      if (runtime === null || (run === undefined && compile === undefined)) {
        return protocolError('"Job Completed" (4999) without a runtime and an exit message');
      }
      if (run === undefined && compile !== undefined && compile.status === null && compile.code === 0) {
        return protocolError('"Job Completed" after a successful compile, without running the program');
      }
      const response: ExecuteResponse = {
        ...runtime,
        run: run ?? notRunStage(),
        ...(compile === undefined ? {} : { compile }),
      };
      finish(() => resolve(response), false);
    }

    let opened = false;
    socket.on('open', () => {
      if (settled) return;
      opened = true;
      send({ type: 'init', ...options.request });
      input.begin();
    });
    socket.on('message', (data) => {
      if (!settled) receive(data);
    });
    socket.on('unexpected-response', (request, response) => {
      // The upgrade was answered like a plain request (401, 429, 503 …): the same errors as /execute's.
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = refusalMessage(status, Buffer.concat(chunks).toString('utf8'));
        const retry = retryAfter(response.headers['retry-after']);
        const error = status === 503 ? new RunnerBusyError(503, text, retry) : new RunnerHttpError(status, text, retry);
        request.destroy();
        finish(() => reject(error));
      });
    });
    socket.on('error', (error) => {
      if (!opened) {
        finish(() => reject(new RunnerUnreachableError(url, error)));
      }
      // Once open, a broken connection is reported by 'close' (1006).
    });
    socket.on('close', (code, reason) => {
      if (settled) return;
      const said = serverError ?? reason.toString();
      const [completedCode] = sessionCloseCodes.completed;
      const [errorCode] = sessionCloseCodes.error;
      const [idleCode] = sessionCloseCodes.idle;
      if (code === completedCode) return completed();
      if (code === errorCode && runtime === null) return finish(() => reject(new SessionRefusedError(said)), false);
      if (code === errorCode)
        return finish(() => reject(new SessionEndedError(`the server ended the session: ${said}`)));
      // The server's idle limit (no input and no output for that long).
      if (code === idleCode)
        return finish(() => reject(new SessionEndedError(`the server ended the session: ${said}`, true)));
      if (code === 1006) {
        return finish(() => reject(new ConnectionLostError(`lost the connection to code-runner at ${url}`)));
      }
      const why = said === '' ? '' : `: ${said}`;
      finish(() => reject(new SessionEndedError(`the server closed the session (close code ${code})${why}`)), false);
    });
  });
}
