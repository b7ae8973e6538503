import { chmodSync, lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { chmod, lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { BoxCgroup } from './cgroup/index.ts';
import { BoxResetError } from './errors.ts';
import { killUid } from './procs.ts';
import type { WarmBox } from './warm.ts';

export interface Box {
  readonly id: number;
  /** Host path of the box's work directory (write source files here); the same path inside the sandbox. */
  readonly dir: string;
  /** Per-box uid when running as root, else null. */
  readonly uid: number | null;
  readonly gid: number | null;
  /** Removes everything in the box (never following links planted by the code) and kills leftover processes; then checks it is empty. */
  reset(): Promise<void>;
  /** reset() and remove the box directory itself. */
  destroy(): Promise<void>;
}

/**
 * Deletes everything under `dir` without following symbolic links: each entry is lstat'ed, links and files
 * are unlinked, real directories are opened up (the code may have chmod'ed them 000) and emptied first.
 */
export function emptyDir(dir: string): void {
  for (const name of readdirSync(dir)) {
    const entry = path.join(dir, name);
    const stat = lstatSync(entry);
    if (stat.isDirectory()) {
      chmodSync(entry, 0o700);
      emptyDir(entry);
      rmdirSync(entry);
    } else {
      unlinkSync(entry);
    }
  }
}

/** emptyDir() off the event loop (each call in libuv's thread pool), with the same rules: never follows links. */
export async function emptyDirAsync(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const entry = path.join(dir, name);
    if ((await lstat(entry)).isDirectory()) {
      await chmod(entry, 0o700);
      await emptyDirAsync(entry);
      await rmdir(entry);
    } else {
      await unlink(entry);
    }
  }
}

export interface BoxParts {
  id: number;
  dir: string;
  uid: number | null;
  cgroup: BoxCgroup | null;
  /** Size of the tmpfs mounted on `dir`, or null when the box is a plain directory. */
  tmpfsBytes: number | null;
  onDestroy: (box: SandboxBox) => void;
}

export class SandboxBox implements Box {
  readonly id: number;
  readonly dir: string;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly cgroup: BoxCgroup | null;
  tmpfsBytes: number | null;
  busy = false;
  destroyed = false;
  /** The box's long-lived sandbox on the warm path (started with the box, rebuilt as needed), else null. */
  warm: Promise<WarmBox> | null = null;
  readonly #onDestroy: (box: SandboxBox) => void;

  constructor(parts: BoxParts) {
    this.id = parts.id;
    this.dir = parts.dir;
    this.uid = parts.uid;
    this.gid = parts.uid;
    this.cgroup = parts.cgroup;
    this.tmpfsBytes = parts.tmpfsBytes;
    this.#onDestroy = parts.onDestroy;
  }

  /**
   * Kills whatever of this box may still run (a daemon that escaped its run's process group). With cgroups
   * the box's own cgroup lists every process of its runs (each run joins it before anything starts, and a
   * box uid can move into no other): reading it costs a file read instead of a /proc scan of every process.
   * `scanUid` forces the scan (a new box may hold orphans of a dead server, which are in no cgroup of ours).
   */
  async killLeftovers(scanUid = false): Promise<void> {
    // A warm box's own processes are no leftovers: it lets no run end before its namespace is empty.
    const warm = await this.warm?.catch(() => null);
    const spare = warm && !warm.broken ? new Set(warm.resident) : undefined;
    if (this.cgroup && !scanUid) {
      if (!(await this.cgroup.killAll(spare)))
        throw new BoxResetError(this.id, 'processes of its cgroup survive SIGKILL');
      return;
    }
    if (this.uid !== null && !(await killUid(this.uid, 5000, spare))) {
      throw new BoxResetError(this.id, `processes of uid ${this.uid} survive SIGKILL`);
    }
  }

  async reset(): Promise<void> {
    if (this.destroyed) throw new BoxResetError(this.id, 'the box was destroyed');
    if (this.busy) throw new BoxResetError(this.id, 'a command is running in it');
    await this.killLeftovers();
    try {
      await emptyDirAsync(this.dir);
    } catch (error) {
      throw new BoxResetError(this.id, `emptying ${this.dir} failed: ${(error as Error).message}`, { cause: error });
    }
    const left = await readdir(this.dir);
    if (left.length > 0) throw new BoxResetError(this.id, `${left.length} entries are left in ${this.dir}`);
  }

  /** Changes the size of the box's tmpfs (the total bytes the code may write). */
  async resize(bytes: number): Promise<void> {
    if (this.tmpfsBytes === null || this.tmpfsBytes === bytes) return;
    await execa('mount', ['-o', `remount,size=${bytes}`, this.dir]);
    this.tmpfsBytes = bytes;
  }

  /** Host pids of the box's warm sandbox (bwrap and its init), alive between runs; [] without one. */
  async residentPids(): Promise<number[]> {
    const warm = await this.warm?.catch(() => null);
    return warm && !warm.broken ? [...warm.resident] : [];
  }

  /** Stops the warm box, if one runs (the next run starts another). */
  async stopWarm(): Promise<void> {
    const warm = this.warm;
    this.warm = null;
    await (await warm?.catch(() => null))?.stop();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await this.stopWarm();
    await this.reset();
    this.destroyed = true;
    await this.cgroup?.destroy();
    if (this.tmpfsBytes !== null) await execa('umount', [this.dir]);
    rmdirSync(this.dir);
    this.#onDestroy(this);
  }
}
