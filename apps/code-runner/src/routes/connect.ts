// GET /api/v2/connect: Piston's interactive protocol over a WebSocket (Piston's api/src/api/v2.js), which its
// own CLI speaks (`piston run -t`). One session is one job: `init` (the fields of /execute), then stdin and
// signals from the client, and stages, output and exits from the server, until close 4999. Beyond Piston:
// signals reach the program, output is capped as in /execute (OL/EL), stdin sent early is kept, the client
// may end the input ({"type":"data","stream":"stdin","eof":true}), and idle sessions end.
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import { type LimitSet, type SessionServerMessage, sessionCloseCodes } from '@repo/runner-api';
import type { RunResult } from '@repo/sandbox';
import type { Logger } from '@repo/service';
import { Hono } from 'hono';
import type { RawData, WebSocket } from 'ws';
import { ClientError } from '../errors.ts';
import { prepareFiles, type StageEvents } from '../executor.ts';
import { describeIssues } from '../http/errors.ts';
import type { Upgrades } from '../http/upgrade.ts';
import { findRuntime } from '../languages.ts';
import { resolveLimits } from '../limits.ts';
import { type Lease, PoolClosedError } from '../pool.ts';
import type { RunnerApi } from '../runner.ts';
import { toStage } from '../stage.ts';
import { checkExecution, executeRequestSchema } from './request-bounds.ts';

/** Piston closes a socket that sent no `init` within a second. */
export const initTimeoutMs = 1000;
/** The program's input not yet read, held before the client is told to wait (WebSocket backpressure). */
const stdinBufferBytes = 64 * 1024;

export interface ConnectDependencies {
  runner: RunnerApi;
  upgrades: Upgrades;
  logger: Logger;
  /** The wall-time limit of a session's run stage and its maximum. */
  runTimeoutMs: number;
  idleTimeoutMs: number;
}

const message =
  "GET /api/v2/connect is a WebSocket endpoint (Piston's interactive protocol): connect with a WebSocket client, e.g. ws://<host>/api/v2/connect, and send an init message";

/** `/api/v2/connect`, mounted beside the other v2 routes (and answering plain HTTP in their error shape). */
export function connectRoutes(deps: ConnectDependencies) {
  const { runner, upgrades } = deps;
  // A session's run waits for a person: its wall time has a limit of its own; every other limit is /execute's.
  const maxima: LimitSet = { ...runner.maxima, run_timeout: deps.runTimeoutMs };
  const schema = executeRequestSchema(maxima);
  return new Hono().get('/connect', async (c) => {
    if (!upgrades.wanted(c)) throw new ClientError(426, message, { headers: { Upgrade: 'websocket' } });
    // The session holds its box from the start: a full pool answers the upgrade with 503 (PoolBusyError).
    const lease = await runner.acquire(c.req.raw.signal);
    return upgrades.accept(c, {
      open: (socket) => new Session(socket, lease, { ...deps, maxima, schema }).start(),
      abandon: () => lease.release(),
    });
  });
}

interface SessionParts extends ConnectDependencies {
  maxima: LimitSet;
  schema: ReturnType<typeof executeRequestSchema>;
}

type Incoming = Record<string, unknown>;

class Session {
  readonly #socket: WebSocket;
  readonly #parts: SessionParts;
  #lease: Lease | null;
  #state: 'waiting' | 'running' | 'done' = 'waiting';
  readonly #stdin = new PassThrough({ highWaterMark: stdinBufferBytes });
  readonly #abort = new AbortController();
  #program: { kill(signal: NodeJS.Signals): boolean } | null = null;
  /** A signal sent while no program runs yet (its box being prepared, it being started): given to it then. */
  #pendingSignal: NodeJS.Signals | null = null;
  #signalRetry: NodeJS.Timeout | undefined;
  #closeCode: number | null = null;
  #initTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #onShutdown = () => this.#end(sessionCloseCodes.shutdown, 'the server is shutting down');

  constructor(socket: WebSocket, lease: Lease, parts: SessionParts) {
    this.#socket = socket;
    this.#lease = lease;
    this.#parts = parts;
  }

  start(): void {
    const { runner } = this.#parts;
    runner.sessionOpened();
    this.#socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    this.#socket.on('error', () => {}); // a broken connection closes (below)
    this.#socket.once('close', (code) => this.#closed(code));
    this.#initTimer = setTimeout(() => {
      if (this.#state === 'waiting') this.#close(sessionCloseCodes.initTimeout);
    }, initTimeoutMs);
    this.#touch();
    if (runner.shutdown.aborted) this.#onShutdown();
    else runner.shutdown.addEventListener('abort', this.#onShutdown, { once: true });
  }

  #receive(data: RawData, isBinary: boolean) {
    if (this.#state === 'done') return;
    this.#touch();
    if (isBinary) return this.#fail('messages must be JSON text frames, got a binary frame');
    let incoming: unknown;
    try {
      incoming = JSON.parse(data.toString());
    } catch (error) {
      return this.#fail(`the message is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof incoming !== 'object' || incoming === null || Array.isArray(incoming)) {
      return this.#fail('expected a JSON object with a "type" (init, data or signal)');
    }
    const msg = incoming as Incoming;
    switch (msg.type) {
      case 'init':
        return this.#init(msg);
      case 'data':
        return this.#data(msg);
      case 'signal':
        return this.#signal(msg);
      default:
        return this.#fail(`unknown message type ${JSON.stringify(msg.type)}: expected init, data or signal`);
    }
  }

  #init(msg: Incoming) {
    if (this.#state !== 'waiting') return this.#close(sessionCloseCodes.alreadyInitialized);
    clearTimeout(this.#initTimer);
    this.#state = 'running';
    const { runner, schema, maxima } = this.#parts;
    // The fields of /execute, checked as there; an init's stdin is ignored, as in Piston (stdin comes as data).
    const { type: _type, stdin: _stdin, ...fields } = msg;
    const parsed = schema.safeParse(fields);
    if (!parsed.success) return this.#fail(describeIssues(parsed.error));
    const body = parsed.data;
    let job: Parameters<RunnerApi['execute']>[0];
    try {
      const runtime = findRuntime(runner.runtimes, body.language, body.version ?? '*');
      const files = prepareFiles(runtime, body.files);
      const args = body.args ?? [];
      checkExecution({
        runtime,
        files,
        args,
        maxima,
        fields: { files: '"files"', file: (i, p) => `files[${i}].${p}` },
      });
      job = { runtime, files, args, stdin: this.#stdin, limits: resolveLimits(body, maxima) };
    } catch (error) {
      if (error instanceof ClientError) return this.#fail(error.message);
      this.#parts.logger.error({ err: error }, 'interactive session: init failed');
      return this.#fail('internal error');
    }
    this.#send({ type: 'runtime', language: job.runtime.spec.name, version: job.runtime.version });
    const lease = this.#lease as Lease;
    this.#lease = null; // the executor gives it back when the job ends
    runner.execute({ ...job, lease, signal: this.#abort.signal, events: this.#events() }).then(
      () => this.#close(sessionCloseCodes.completed),
      (error: Error) => {
        if (this.#state === 'done') return;
        this.#parts.logger.error({ err: error }, 'interactive session failed');
        this.#fail(error instanceof PoolClosedError ? error.message : 'internal error');
      },
    );
  }

  #events(): StageEvents {
    return {
      begin: (stage, program) => {
        this.#program = program;
        this.#deliver();
        this.#send({ type: 'stage', stage });
      },
      output: (stream, data) => {
        this.#touch();
        this.#send({ type: 'data', stream, data });
      },
      end: (stage, result, cached) => {
        this.#program = null;
        this.#send({ type: 'exit', stage, ...exitFields(result, cached) });
      },
    };
  }

  #data(msg: Incoming) {
    if (this.#state === 'waiting') return this.#close(sessionCloseCodes.notInitialized);
    if (msg.stream !== 'stdin') return this.#close(sessionCloseCodes.onlyStdin);
    const eof = msg.eof === true;
    if (msg.data !== undefined && typeof msg.data !== 'string') {
      return this.#fail(`"data" must be a string (the program's input), got ${typeof msg.data}`);
    }
    if (msg.data === undefined && !eof) return this.#fail('a stdin message needs "data" (a string) or "eof": true');
    if (this.#stdin.writableEnded) {
      if (msg.data === '' || msg.data === undefined) return;
      return this.#fail('the input was already ended (eof): no more stdin can be sent');
    }
    if (typeof msg.data === 'string' && msg.data !== '' && !this.#stdin.write(msg.data)) {
      // The program does not read as fast as the client writes: stop reading the socket until it does.
      this.#socket.pause();
      this.#stdin.once('drain', () => this.#socket.resume());
    }
    if (eof) this.#stdin.end();
  }

  #signal(msg: Incoming) {
    if (this.#state === 'waiting') return this.#close(sessionCloseCodes.notInitialized);
    const signal = msg.signal;
    if (typeof signal !== 'string' || !Object.hasOwn(constants.signals, signal)) {
      return this.#close(sessionCloseCodes.invalidSignal);
    }
    this.#pendingSignal = signal as NodeJS.Signals;
    this.#deliver();
  }

  /** Gives the pending signal to the stage's program, retrying while it is still being started. */
  #deliver() {
    clearTimeout(this.#signalRetry);
    const program = this.#program;
    if (!program || !this.#pendingSignal || this.#state === 'done') return;
    if (program.kill(this.#pendingSignal)) this.#pendingSignal = null;
    else this.#signalRetry = setTimeout(() => this.#deliver(), 10);
  }

  /** Any sign of life from either side puts off the idle end. */
  #touch(): void {
    clearTimeout(this.#idleTimer);
    if (this.#state === 'done') return;
    const { idleTimeoutMs } = this.#parts;
    this.#idleTimer = setTimeout(
      () =>
        this.#end(
          sessionCloseCodes.idle,
          `the session was idle for ${idleTimeoutMs / 1000} s (no input and no output): it ended`,
        ),
      idleTimeoutMs,
    );
  }

  #send(message: SessionServerMessage): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Piston's way to report an error: an error message, then close 4002 (a close reason holds only 123 bytes). */
  #fail(text: string): void {
    this.#end(sessionCloseCodes.error, text);
  }

  #end(code: readonly [number, string], text: string): void {
    if (this.#state === 'done') return;
    this.#send({ type: 'error', message: text });
    this.#close(code);
  }

  #close([code, reason]: readonly [number, string]): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.#closeCode = code;
    this.#finish();
    this.#socket.close(code, reason);
  }

  /** The socket is closed (by either side, or broken): whatever still runs is stopped, the box goes back. */
  #closed(code: number): void {
    this.#state = 'done';
    this.#finish();
    this.#parts.runner.sessionEnded(this.#closeCode ?? code);
  }

  #finish(): void {
    clearTimeout(this.#initTimer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#signalRetry);
    this.#parts.runner.shutdown.removeEventListener('abort', this.#onShutdown);
    this.#abort.abort(new Error('the session ended'));
    this.#stdin.destroy();
    this.#lease?.release();
    this.#lease = null;
  }
}

/** What an exit message says of a stage: Piston's code and signal, and what /execute's stage says besides. */
function exitFields(result: RunResult, cached?: boolean) {
  const { code, signal, status, message, cpu_time, wall_time, memory } = toStage(result, cached);
  return { code, signal, status, message, cpu_time, wall_time, memory, ...(cached === undefined ? {} : { cached }) };
}
