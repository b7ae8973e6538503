import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type MountEntry, readMountInfo } from '../mountinfo.ts';
import { ownedName, removeIdleCgroup, staleEntries } from '../owner.ts';
import { parseOwnCgroups, readPids } from './sysfs.ts';
import type { CgroupDetection } from './types.ts';
import { type V1Controller, V1Driver, v1Controllers } from './v1.ts';
import { V2Driver } from './v2.ts';

const prefix = 'repo-sandbox-';
const baseName = () => ownedName(prefix);

/**
 * Removes the sandbox cgroups in `parent` left by dead servers (a crash skips close()). Only those whose
 * owner (pid + start time in the name) is dead and in which no task lives: a live server's idle box
 * cgroups are empty between runs, so emptiness alone must never be the test.
 */
function removeStale(parent: string): void {
  for (const dir of staleEntries(parent, prefix, true)) removeIdleCgroup(dir);
}

/** Host directory of this process's cgroup inside `mount` (handles mounts of a sub-tree, as in containers). */
export function cgroupDir(mount: Pick<MountEntry, 'root' | 'mountPoint'>, ownPath: string): string {
  const relative =
    mount.root !== '/' && (ownPath === mount.root || ownPath.startsWith(`${mount.root}/`))
      ? ownPath.slice(mount.root.length)
      : ownPath;
  return path.join(mount.mountPoint, relative);
}

/** Finds a cgroup hierarchy this process may write (v2 with memory+pids delegated, else v1 memory/pids/cpuacct). */
export function detectCgroups(): CgroupDetection {
  let mounts: MountEntry[];
  let own: Map<string, string>;
  try {
    mounts = readMountInfo();
    own = parseOwnCgroups(readFileSync('/proc/self/cgroup', 'utf8'));
  } catch (error) {
    return { driver: null, detail: `cannot read /proc/self/mountinfo or /proc/self/cgroup: ${String(error)}` };
  }
  const reasons: string[] = [];
  const v2Mount = mounts.find((mount) => mount.fsType === 'cgroup2');
  if (v2Mount && own.has('')) {
    const ownPath = own.get('') as string;
    const v2 = tryV2(cgroupDir(v2Mount, ownPath), ownPath === '/');
    if (v2.driver) return v2;
    reasons.push(v2.detail);
  } else {
    reasons.push('no cgroup2 hierarchy mounted');
  }
  const v1 = tryV1(mounts, own);
  if (v1.driver) return v1;
  reasons.push(v1.detail);
  return { driver: null, detail: reasons.join('; ') };
}

/** Moves every process listed in `from` to `to`, again while new ones appear (a fork meanwhile stays behind). */
function moveAll(from: string, to: string): void {
  for (let round = 0; round < 10; round++) {
    const pids = readPids(from);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        writeFileSync(to, String(pid));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // exited meanwhile
      }
    }
  }
}

/** `namespaceRoot`: this process's cgroup is the root of its cgroup namespace ("0::/"), as in a container. */
function tryV2(ownDir: string, namespaceRoot: boolean): CgroupDetection {
  const need = ['memory', 'pids'];
  let available: string[];
  try {
    available = readFileSync(path.join(ownDir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch (error) {
    return { driver: null, detail: `cgroup v2 at ${ownDir} is not readable: ${String(error)}` };
  }
  const missing = need.filter((controller) => !available.includes(controller));
  if (missing.length > 0) {
    return {
      driver: null,
      detail: `cgroup v2 at ${ownDir} has no ${missing.join(', ')} controller (controllers: ${available.join(' ') || 'none'}; delegate them to this cgroup)`,
    };
  }
  const enable = need.map((controller) => `+${controller}`).join(' ');
  try {
    const enabled = readFileSync(path.join(ownDir, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
    if (!need.every((controller) => enabled.includes(controller))) {
      try {
        writeFileSync(path.join(ownDir, 'cgroup.subtree_control'), enable);
      } catch (error) {
        // "No internal processes": a cgroup with processes cannot hand controllers to children. Its processes
        // move into a leaf when the cgroup is this server's own: it is alone in it (a container's init), or
        // the cgroup is the root of its cgroup namespace (a container's cgroup, where the others are the
        // container's own, e.g. tini as PID 1). A shared cgroup of a host (a login scope) is left alone.
        const procs = path.join(ownDir, 'cgroup.procs');
        const others = readPids(procs).filter((pid) => pid !== process.pid);
        if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || (others.length > 0 && !namespaceRoot)) throw error;
        const leaf = path.join(ownDir, 'sandbox-server');
        mkdirSync(leaf, { recursive: true });
        moveAll(procs, path.join(leaf, 'cgroup.procs'));
        writeFileSync(path.join(ownDir, 'cgroup.subtree_control'), enable);
      }
    }
    removeStale(ownDir);
    const base = path.join(ownDir, baseName());
    mkdirSync(base);
    try {
      writeFileSync(path.join(base, 'cgroup.subtree_control'), enable);
    } catch (error) {
      rmdirSync(base);
      throw error;
    }
    return { driver: new V2Driver(base), detail: `cgroup v2 (memory, pids) under ${base}` };
  } catch (error) {
    return { driver: null, detail: `cgroup v2 at ${ownDir} is not writable: ${(error as Error).message}` };
  }
}

function tryV1(mounts: MountEntry[], own: Map<string, string>): CgroupDetection {
  const bases = {} as Record<V1Controller, string>;
  const made: string[] = [];
  const name = baseName();
  try {
    for (const controller of v1Controllers) {
      // A v1 mount names its controllers among the superblock options (`rw,cpu,cpuacct`).
      const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.split(',').includes(controller));
      if (!mount) throw new Error(`cgroup v1 controller ${controller} is not mounted`);
      const parent = cgroupDir(mount, own.get(controller) ?? '/');
      removeStale(parent);
      const base = path.join(parent, name);
      mkdirSync(base);
      made.push(base);
      bases[controller] = base;
    }
  } catch (error) {
    for (const dir of made.reverse()) rmdirSync(dir);
    const message = (error as Error).message;
    return {
      driver: null,
      detail: message.startsWith('cgroup v1') ? message : `cgroup v1 is not writable: ${message}`,
    };
  }
  const driver = new V1Driver(bases);
  return { driver, detail: driver.detail };
}
