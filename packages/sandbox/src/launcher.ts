// The launcher: a small long-lived Node process that spawns the run wrappers for the server.
//
// Why: libuv forks to spawn, and a fork's cost grows with the parent's resident memory (page tables copied,
// copy-on-write faults until the child execs), all of it on the server's event loop: ~21.6 ms per run at
// 402 MB RSS. The launcher is small, so its forks are cheap, and they happen on its own thread. It sends
// the pipe ends of each run (stdin, stdout, stderr, the fd-3 control pipe) back over its IPC channel as
// handles, then the pid and later the exit status; the server reads and kills exactly as before.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export type Outcome = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/** A started wrapper, spawned by the launcher or directly: what a run reads, writes and waits for. */
export interface Launched {
  pid: number | undefined;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  control: Readable | null;
  exited: Promise<Outcome>;
  /**
   * A run with no process of ours to signal (a warm box's: its init forks it): sends a signal to the program,
   * and kills all of the run. Without them, `pid`'s process group is signalled and killed.
   */
  signal?: (signal: number) => boolean;
  terminate?: () => void;
}

export interface LaunchRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: boolean;
  uid?: number;
  gid?: number;
}

const pipeNames = ['stdin', 'stdout', 'stderr', 'control'] as const;
type PipeName = (typeof pipeNames)[number];

/**
 * Stops a freshly spawned child's pipe socket from reading, so that not a byte is consumed before the pipe
 * is sent to the server. Relies on Node internals (`socket._handle`, `handle.reading`): a socket made by
 * child_process starts reading at once, and sending a handle waits for the previous one's acknowledgement,
 * so without this the launcher would swallow early output. Called in the tick of spawn(), before libuv has
 * polled the pipe. Embedded in the launcher's source through toString(): keep it self-contained plain code.
 * Tested in launcher.test.ts (a change of these internals makes that test fail, not runs lose output).
 */
export function stopReading(socket: unknown): void {
  const handle = (socket as { _handle?: { reading?: boolean; readStop?: () => number } } | null)?._handle;
  if (!handle || typeof handle.readStop !== 'function') throw new Error('no pipe handle to stop reading');
  handle.reading = false;
  handle.readStop();
}

/** The launcher's program (CommonJS, run with `node -e`: no file to find, so it also works bundled). */
export const launcherSource = `'use strict';
const { spawn } = require('node:child_process');
const stopReading = ${stopReading.toString()};
const live = new Map(); // pid -> true: process groups started and not yet exited
const killAll = () => {
  for (const pid of live.keys()) {
    try { process.kill(-pid, 'SIGKILL'); } catch {}
  }
};
// The server is gone (its end of the channel closed): nothing it started may outlive it.
process.on('disconnect', () => { killAll(); process.exit(0); });
process.on('exit', killAll);
const send = (message, handle) => {
  try { process.send(message, handle, undefined, () => {}); } catch {}
};
process.on('message', (message) => {
  if (!message || message.type !== 'spawn') return;
  const { id, file, args, env, cwd, stdin, uid, gid } = message;
  let child;
  try {
    child = spawn(file, args, {
      env, cwd,
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
      ...(uid !== undefined ? { uid, gid } : {}),
    });
  } catch (error) {
    send({ type: 'error', id, message: String(error && error.message) });
    return;
  }
  if (child.pid === undefined) {
    child.once('error', (error) => {
      for (const stream of child.stdio) if (stream) stream.destroy();
      send({ type: 'error', id, message: String(error && error.message) });
    });
    return;
  }
  const pid = child.pid;
  live.set(pid, true);
  const pipes = { stdin: child.stdio[0], stdout: child.stdio[1], stderr: child.stdio[2], control: child.stdio[3] };
  // Node destroys child.stdin when the child exits; a quick program could exit while its stdin waits in the
  // queue of handles to send, which then went without its handle. Detached, it stays open until sent.
  child.stdin = null;
  for (const name of ${JSON.stringify(pipeNames)}) if (pipes[name] && name !== 'stdin') stopReading(pipes[name]);
  send({ type: 'spawned', id, pid, pipes: ${JSON.stringify(pipeNames)}.filter((name) => pipes[name]) });
  for (const name of ${JSON.stringify(pipeNames)}) if (pipes[name]) send({ type: 'pipe', id, name }, pipes[name]);
  child.on('error', () => {});
  child.once('exit', (code, signal) => {
    live.delete(pid);
    send({ type: 'exit', id, code, signal });
  });
});
process.send({ type: 'ready' });
`;

type Pending = {
  request: LaunchRequest;
  settle: (launched: Launched) => void;
  launched: Launched | null;
  expected: PipeName[] | null;
  pipes: Partial<Record<PipeName, Socket>>;
  exit: (outcome: Outcome) => void;
  exited: Promise<Outcome>;
};

type LauncherMessage =
  | { type: 'ready' }
  | { type: 'error'; id: number; message: string }
  | { type: 'spawned'; id: number; pid: number; pipes: PipeName[] }
  | { type: 'pipe'; id: number; name: PipeName }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };

const startTimeoutMs = 15_000;

/** The server's side of one launcher process; restarted on the next spawn() after it died. */
export class Launcher {
  readonly #reaper: string | null;
  #child: ChildProcess | null = null;
  #starting: Promise<ChildProcess> | null = null;
  #runs = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  /** `reaper`: tini's path, to start the launcher under `tini -s` (null: the launcher is the server's child). */
  constructor(options: { reaper?: string | null } = {}) {
    this.#reaper = options.reaper ?? null;
  }

  /** Whether orphans of the runs are reaped by the launcher's subreaper (tini), not left to PID 1. */
  get reaped(): boolean {
    return this.#reaper !== null;
  }

  /** Pid of the running launcher process, null when none runs. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Starts the launcher process (if none runs) and waits until it is ready; rejects with the reason. */
  start(): Promise<ChildProcess> {
    if (this.#closed) return Promise.reject(new Error('the launcher is closed'));
    if (this.#child) return Promise.resolve(this.#child);
    this.#starting ??= this.#spawnLauncher().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  #spawnLauncher(): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        // Empty environment (node adds only its channel variables); no execArgv of the server (--inspect,
        // --cpu-prof), no NODE_OPTIONS.
        const node = [process.execPath, '--input-type=commonjs', '-e', launcherSource];
        // Under `tini -s` (a child subreaper) when there is one: a wrapper killed before its bwrap, or bwrap
        // before its namespace's init, leaves orphans; they are reparented to tini, which reaps them, instead of
        // to PID 1, which never reaps when PID 1 is this server (as in a container without an init).
        const [file, ...args] = this.#reaper ? [this.#reaper, '-s', '--', ...node] : node;
        child = spawn(file as string, args, {
          env: {},
          cwd: '/',
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
      } catch (error) {
        reject(error);
        return;
      }
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 2048) stderr += chunk.toString('utf8');
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`the launcher did not start within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      let ready = false;
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!ready) reject(error);
      };
      child.once('error', (error) => fail(error));
      child.on('message', (message: LauncherMessage, handle: unknown) => {
        if (message.type === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          this.#child = child;
          // Neither the channel nor the process may keep the server alive; runs in flight hold their own timers.
          child.unref();
          child.channel?.unref();
          (child.stderr as Socket | null)?.unref();
          resolve(child);
          return;
        }
        this.#onMessage(message, handle as Socket | undefined);
      });
      child.once('exit', (code, signal) => {
        // tini killed: the launcher under it must not live on with its channel open (closing it ends it).
        if (child.connected) child.disconnect();
        const why = `the launcher process (pid ${child.pid}) exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`;
        fail(new Error(why));
        if (this.#child !== child) return; // never started: no run was sent to it
        this.#child = null;
        this.#failAll(why);
      });
    });
  }

  /** Spawns a wrapper through the launcher; resolves once its pipes arrived (or with the spawn error). */
  async spawn(request: LaunchRequest): Promise<Launched> {
    const child = await this.start();
    const id = this.#nextId++;
    let exit: (outcome: Outcome) => void = () => {};
    const exited = new Promise<Outcome>((resolve) => (exit = resolve));
    return new Promise<Launched>((settle) => {
      this.#runs.set(id, { request, settle, launched: null, expected: null, pipes: {}, exit, exited });
      if (this.#runs.size === 1) child.channel?.ref(); // waiting for the launcher's answer keeps the server up
      const { file, args, env, cwd, stdin, uid, gid } = request;
      child.send({ type: 'spawn', id, file, args, env, cwd, stdin, uid, gid }, (error) => {
        if (error) this.#failRun(id, `sending the command to the launcher failed: ${error.message}`);
      });
    });
  }

  #onMessage(message: LauncherMessage, handle: Socket | undefined): void {
    if (message.type === 'ready') return;
    const run = this.#runs.get(message.id);
    if (!run) {
      handle?.destroy();
      return;
    }
    if (message.type === 'error') {
      this.#forget(message.id);
      run.settle(notStarted(new Error(message.message)));
    } else if (message.type === 'spawned') {
      run.launched = {
        pid: message.pid,
        stdin: null,
        stdout: null,
        stderr: null,
        control: null,
        exited: run.exited,
      };
      run.expected = message.pipes;
      if (message.pipes.length === 0) run.settle(run.launched);
    } else if (message.type === 'pipe' && run.launched && handle) {
      handle.on('error', () => {}); // EPIPE on stdin, a shutdown of a read end: the run's own checks decide
      run.pipes[message.name] = handle;
      run.launched[message.name] = handle;
      if (run.expected?.every((name) => run.pipes[name])) run.settle(run.launched);
    } else if (message.type === 'pipe' && run.launched) {
      // A pipe that did not come through (no handle): the run cannot be read, so it ends as an error, never waits.
      this.#failRun(message.id, `the launcher's ${message.name} pipe did not arrive`);
    } else if (message.type === 'exit') {
      const missing = run.launched ? (run.expected ?? []).filter((name) => !run.pipes[name]) : [];
      if (missing.length > 0) {
        // Exited before all its pipes arrived (they are sent before the exit, so one was lost): settled with
        // what came, as an error, instead of a spawn() that never resolves.
        this.#failRun(message.id, `the launcher's ${missing.join(', ')} pipe(s) did not arrive before the exit`);
        return;
      }
      this.#forget(message.id);
      run.exit({ code: message.code, signal: message.signal });
    }
  }

  #forget(id: number): void {
    if (this.#runs.delete(id) && this.#runs.size === 0) this.#child?.channel?.unref();
  }

  #failRun(id: number, why: string): void {
    const run = this.#runs.get(id);
    if (!run) return;
    this.#forget(id);
    const error = new Error(why);
    if (run.launched) {
      // Started: the run gets what arrived and an error outcome; the server kills its process group.
      run.settle(run.launched);
      run.exit({ error });
    } else {
      run.settle(notStarted(error));
    }
  }

  #failAll(why: string): void {
    for (const id of [...this.#runs.keys()]) this.#failRun(id, why);
  }

  /** Ends the launcher (it kills the process groups it still tracks when its channel closes). */
  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child ?? (await this.#starting?.catch(() => null)) ?? null;
    this.#child = null;
    // Nothing sent to it may wait for an answer that will not come.
    this.#failAll('the launcher was closed');
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}

/** A run whose command could not be started: no pid, no pipes, and the error as its exit. */
export function notStarted(error: Error): Launched {
  return {
    pid: undefined,
    stdin: null,
    stdout: null,
    stderr: null,
    control: null,
    exited: Promise.resolve({ error }),
  };
}

// The fallback when no launcher runs. node:child_process directly, not execa: its promise and stream
// plumbing cost ~1.2 ms per run here, and a run needs none of it (raw pipes with byte caps, its own exit
// handling).
export function launchDirect(request: LaunchRequest): Launched {
  let child: ChildProcess;
  try {
    child = spawn(request.file, request.args, {
      env: request.env,
      cwd: request.cwd,
      stdio: [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole
      ...(request.uid !== undefined ? { uid: request.uid, gid: request.gid } : {}),
    });
  } catch (error) {
    return notStarted(error as Error);
  }
  // Listened to in the tick of the spawn: a failure (EACCES, ENOENT) is emitted on the next one.
  const exited = new Promise<Outcome>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
  child.on('error', () => {}); // a later error event must not crash the server
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    control: child.stdio[3] as Readable | null,
    exited,
  };
}
