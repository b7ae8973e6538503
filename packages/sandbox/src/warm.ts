// A warm box: one long-lived bubblewrap per box whose init (src/warm-box.c) forks each run into fresh pid,
// mount and IPC namespaces. A run then costs a fork and an exec or two instead of a bwrap, a setpriv and a
// cgroup move (the move waits for an RCU grace period when the host was idle: ~10 ms). The box is started
// once, joins its cgroup once, and is destroyed and rebuilt after `runsPerBox` runs or on any error.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BoxCgroup, RunCgroup, WarmCgroups } from './cgroup/index.ts';
import { buildCommand } from './command.ts';
import type { HostProbe } from './host.ts';
import type { Launched, LaunchRequest, Outcome } from './launcher.ts';
import type { RunLimits } from './limits.ts';
import { resolveLimits } from './limits.ts';
import { killGroup } from './procs.ts';
import { childOf, trackGroup, untrackGroup } from './supervise.ts';

const readyTimeoutMs = 10_000;
/** sun_path holds 108 bytes with the terminating NUL. */
const maxSocketPath = 107;

export interface WarmStartParts {
  /** Host directory for the box's socket, made here (the box uid's alone). */
  dir: string;
  box: { dir: string; uid: number | null; cgroup: BoxCgroup | null };
  host: HostProbe;
  /** warm-box's host path. */
  binary: string;
  readOnlyPaths: readonly string[];
  launch: (request: LaunchRequest) => Promise<Launched>;
}

export class WarmBox {
  /** Host path of the socket the init listens on. */
  readonly socket: string;
  /** Host pids of the box's own processes (bwrap and the init): no kill of a run's leftovers touches them. */
  readonly resident: readonly number[];
  /** The box's cgroup, joined once by its processes; each run re-arms it (v1) or gets a fresh one (v2). */
  readonly cgroup: RunCgroup | null;
  runs = 0;
  readonly #cgroups: WarmCgroups | null;
  readonly #dir: string;
  readonly #launched: Launched;
  #exited: string | null = null;
  #stopped: Promise<void> | null = null;

  private constructor(
    dir: string,
    launched: Launched,
    resident: number[],
    cgroup: RunCgroup | null,
    cgroups: WarmCgroups | null,
  ) {
    this.#dir = dir;
    this.#cgroups = cgroups;
    this.socket = path.join(dir, 'sock');
    this.#launched = launched;
    this.resident = resident;
    this.cgroup = cgroup;
    void launched.exited.then((outcome) => {
      this.#exited = 'error' in outcome ? outcome.error.message : `exited (${outcome.signal ?? outcome.code})`;
    });
  }

  /** Why the box cannot serve another run, or null while it can. */
  get broken(): string | null {
    return this.#stopped ? 'stopped' : this.#exited ? `the warm box ${this.#exited}` : null;
  }

  /** Starts the box and waits until its init listens; throws with the reason (its stderr) otherwise. */
  static async start(parts: WarmStartParts): Promise<WarmBox> {
    const { box, host } = parts;
    const socket = path.join(parts.dir, 'sock');
    if (Buffer.byteLength(socket) > maxSocketPath) {
      throw new Error(
        `its socket's path ${socket} is longer than a unix socket's ${maxSocketPath} bytes (a shorter workRoot)`,
      );
    }
    rmSync(parts.dir, { recursive: true, force: true });
    mkdirSync(parts.dir, { mode: 0o700 });
    if (box.uid !== null) chownSync(parts.dir, box.uid, box.uid);
    const limits = { ...resolveLimits(undefined), network: false };
    let cgroups: WarmCgroups | null = null;
    let cgroup: RunCgroup | null = null;
    let launched: Launched | null = null;
    try {
      cgroups = (await box.cgroup?.warm?.(limits)) ?? null;
      cgroup = cgroups?.home ?? (await box.cgroup?.prepare(limits)) ?? null;
      if (cgroups) mkdirSync(path.join(parts.dir, 'cg'));
      const command = buildCommand({
        argv: ['warm-box'],
        box,
        cwd: box.dir,
        limits,
        env: {},
        readOnlyPaths: parts.readOnlyPaths,
        cgroup:
          cgroup && box.cgroup
            ? { joinFiles: cgroup.joinFiles, joinPid: cgroup.joinPid, joinNeedsRoot: box.cgroup.joinNeedsRoot }
            : null,
        bwrap: host.bwrap,
        init: host.init,
        setpriv: host.setpriv,
        stdin: false,
        otherTasks: 0,
        warm: { dir: parts.dir, binary: parts.binary, cgroups: cgroups?.runs ?? null },
      });
      launched = await parts.launch(command.request);
      const said = collect(launched);
      const pid = launched.pid;
      if (pid === undefined) throw new Error(`it could not be started: ${await failure(launched, said)}`);
      trackGroup(pid);
      const ready = await readyLine(launched);
      if (ready !== 'ready') throw new Error(`its init did not start: ${ready || (await failure(launched, said))}`);
      const init = childOf(pid);
      if (init === null) throw new Error('its init is not running');
      const warm = new WarmBox(parts.dir, launched, [pid, init], cgroup, cgroups);
      // A reset that the cgroup does not allow is found now, not in a run.
      if (!cgroups) cgroup?.rearm?.(limits, warm.resident).release();
      if (cgroup && !cgroups && !cgroup.rearm) throw new Error('its cgroup cannot be re-armed per run');
      return warm;
    } catch (error) {
      if (launched?.pid !== undefined) {
        killGroup(launched.pid);
        untrackGroup(launched.pid);
        await launched.exited;
      }
      if (cgroups) await cgroups.release();
      else if (cgroup) {
        await cgroup.killAll(2000);
        cgroup.release();
      }
      rmSync(parts.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The cgroup of the next run: a fresh one the init clones it into (v2), or the box's own re-armed (v1);
   * null without cgroups. Throws when the cgroup cannot be made or reset.
   */
  async runCgroup(limits: RunLimits): Promise<RunCgroup | null> {
    if (this.#cgroups) return this.#cgroups.prepare(limits);
    return this.cgroup?.rearm?.(limits, this.resident) ?? null;
  }

  /**
   * Starts a run (`request`: warmRequest()): a control connection, and one connection for each of the
   * program's stdin (when it gets one), stdout and stderr, which the init hands the program as they are.
   * No process of ours is started: a signal or a kill goes through the control connection.
   */
  open(request: Buffer, stdin: boolean): Launched {
    const nonce = randomBytes(8);
    const open = (role: string, payload?: Buffer): Socket => {
      const header = Buffer.alloc(16);
      header.write(`WB3${role}`, 0, 'latin1');
      nonce.copy(header, 4);
      header.writeUInt32LE(payload?.length ?? 0, 12);
      const socket = connect(this.socket);
      socket.on('error', () => {}); // a refused connection ends the run as an error (below), never the server
      socket.write(payload ? Buffer.concat([header, payload]) : header);
      return socket;
    };
    const control = open(stdin ? 'C' : 'c', request);
    const stdout = open('O');
    const stderr = open('E');
    const input = stdin ? open('I') : null;
    const report = new PassThrough();
    let text = '';
    let killed = false;
    let settle: (outcome: Outcome) => void = () => {};
    const exited = new Promise<Outcome>((resolve) => (settle = resolve));
    control.on('data', (chunk: Buffer) => {
      if (text.length < 16384) text += chunk.toString('utf8');
    });
    control.on('error', (error) => {
      if (!killed) this.#exited ??= `refused a run (${error.message})`;
    });
    control.on('close', () => {
      // The last line is the status of box-init (128 + n when killed by signal n, as from a shell).
      const end = /(^|\n)exit (\d+)\n$/.exec(text);
      report.end(end ? text.slice(0, end.index + (end[1] as string).length) : text);
      if (end) settle({ code: Number(end[2]), signal: null });
      else if (killed) settle({ code: null, signal: 'SIGKILL' });
      else
        settle({ error: new Error(`the warm box ended the run without its status${text ? `: ${text.trim()}` : ''}`) });
    });
    return {
      pid: undefined,
      stdin: input,
      stdout,
      stderr,
      control: report,
      exited,
      signal: (signal) => !control.destroyed && control.write(`k ${signal}\n`),
      terminate: () => {
        killed = true;
        control.destroy(); // the init kills the run's namespace when its control connection closes
      },
    };
  }

  /**
   * Resolves true once the init is between runs (it accepts a connection only then: the last run's namespace
   * is empty), false when it does not answer within `timeoutMs`.
   */
  idle(timeoutMs = 2000): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.socket);
      const timer = setTimeout(() => finish(false), timeoutMs);
      let answer = '';
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      socket.on('error', () => finish(false));
      socket.on('connect', () => socket.write(Buffer.concat([Buffer.from('WB3P', 'latin1'), Buffer.alloc(12)])));
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.includes('\n')) finish(answer === 'idle\n');
      });
      socket.on('end', () => finish(answer === 'idle\n'));
    });
  }

  /** Kills the box (all of its group, and whatever is left in its cgroup) and removes its directory. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const pid = this.#launched.pid as number;
      killGroup(pid);
      await Promise.race([this.#launched.exited, sleep(5000)]);
      untrackGroup(pid);
      if (this.#cgroups) await this.#cgroups.release();
      else if (this.cgroup) {
        await this.cgroup.killAll(5000);
        this.cgroup.release();
      }
      for (const stream of [this.#launched.stdout, this.#launched.stderr, this.#launched.control]) stream?.destroy();
      rmSync(this.#dir, { recursive: true, force: true });
    })();
    return this.#stopped;
  }
}

/** The first line on the box's fd 3 (`ready`), or '' when it closed or exited first. */
function readyLine(launched: Launched): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = (line: string) => {
      clearTimeout(timer);
      resolve(line);
    };
    const timer = setTimeout(() => done(''), readyTimeoutMs);
    const control = launched.control;
    if (!control) return done('');
    control.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) done(text.slice(0, text.indexOf('\n')));
    });
    control.once('close', () => done(text.trim()));
    void launched.exited.then(() => setTimeout(() => done(text.trim()), 50));
  });
}

/** The box's stdout and stderr are drained for its whole life; the first 2 KiB of stderr are kept. */
function collect(launched: Launched): { text: string } {
  const said = { text: '' };
  launched.stdout?.resume();
  launched.stderr?.on('data', (chunk: Buffer) => {
    if (said.text.length < 2048) said.text += chunk.toString('utf8');
  });
  return said;
}

/** What the box said before it failed: its stderr, or how it exited. */
async function failure(launched: Launched, said: { text: string }): Promise<string> {
  const outcome = await Promise.race([launched.exited, sleep(1000).then(() => null)]);
  await sleep(20);
  const how =
    outcome === null
      ? 'still running'
      : 'error' in outcome
        ? outcome.error.message
        : `exit ${outcome.signal ?? outcome.code}`;
  return said.text.trim().split('\n')[0] || how;
}
