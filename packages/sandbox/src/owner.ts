import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pidsOfUids } from './procs.ts';

// Several sandboxes (two servers, a test next to a server) may share one host, one workRoot and one cgroup
// parent. Everything one makes carries its owner's tag, `<pid>-<start time>`: a pid alone can be reused,
// the pair cannot. Stale things (owner dead) may be cleaned up by anyone; live ones are never touched.

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null when it is gone. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: the fields after the last ')' start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** `<pid>-<start time>` of this process. */
export const ownTag = `${process.pid}-${startTime(process.pid) ?? '0'}`;

/** A fresh name for something this process owns: `<prefix><pid>-<start time>-<random>`. */
export function ownedName(prefix: string): string {
  return `${prefix}${ownTag}-${randomBytes(3).toString('hex')}`;
}

/**
 * Whether the owner named in `name` (made by ownedName(prefix), or `<prefix><pid>-<random>` by earlier
 * versions, which only name the pid: accepted with `legacy`) may still be alive. Names that do not parse count as alive: never ours.
 */
export function ownerAlive(name: string, prefix: string, legacy = false): boolean {
  if (!name.startsWith(prefix)) return true;
  const match = (legacy ? /^(\d+)-(?:(\d+)-)?[0-9a-f]{6}$/ : /^(\d+)-(\d+)-[0-9a-f]{6}$/).exec(
    name.slice(prefix.length),
  );
  if (!match) return true;
  return tagAlive(match[1] as string, match[2]);
}

/** Whether the process of a tag made by this module (`<pid>-<start time>`) still runs; a pid alone is not enough. */
export function ownerTagAlive(tag: string): boolean {
  const match = /^(\d+)-(\d+)$/.exec(tag);
  return match !== null && tagAlive(match[1] as string, match[2]);
}

function tagAlive(pid: string, start: string | undefined): boolean {
  const now = startTime(Number(pid));
  return now !== null && (start === undefined || start === now);
}

// ---- uid ranges ------------------------------------------------------------------------------------------

/** Where uid claims live: one file per uid holding its owner's tag (in /run: gone after a reboot). */
function claimDir(): string {
  for (const dir of ['/run/repo-sandbox-uids', path.join(os.tmpdir(), 'repo-sandbox-uids')]) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (statSync(dir).uid === process.getuid?.()) return dir;
    } catch {
      // try the next place
    }
  }
  throw new Error('no writable directory for uid claims (/run/repo-sandbox-uids or $TMPDIR/repo-sandbox-uids)');
}

export interface UidClaim {
  first: number;
  last: number;
  /** Uids whose claim was taken over from a dead sandbox: its leftover processes may be killed. */
  takenOver: number[];
  release(): void;
}

/**
 * Claims uids first..last for this process, or returns why not: another live sandbox claims one of them, or
 * a live process runs under one that no sandbox claims (a user of the host, another tool).
 */
export function claimUids(first: number, last: number): UidClaim | string {
  const dir = claimDir();
  const made: string[] = [];
  const takenOver: number[] = [];
  const release = () => {
    for (const file of made) {
      try {
        if (readFileSync(file, 'utf8') === ownTag) unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  const fail = (why: string) => {
    release();
    return why;
  };
  for (let uid = first; uid <= last; uid++) {
    const file = path.join(dir, String(uid));
    try {
      writeFileSync(file, ownTag, { flag: 'wx', mode: 0o600 });
      made.push(file);
      continue;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: string;
    try {
      owner = readFileSync(file, 'utf8');
    } catch {
      return fail(`uid ${uid} is being claimed by another sandbox`);
    }
    const [pid = '', start] = owner.split('-');
    if (tagAlive(pid, start)) return fail(`uid ${uid} is used by another sandbox (pid ${pid})`);
    // Take over a dead owner's claim: move it aside atomically, check it is the one we read (a racer may
    // have replaced it with its own live claim: then put that back), then claim the uid.
    const aside = `${file}.${ownTag}`;
    try {
      renameSync(file, aside);
    } catch {
      return fail(`uid ${uid} is being claimed by another sandbox`);
    }
    if (readFileSync(aside, 'utf8') !== owner) {
      try {
        linkSync(aside, file);
      } catch {
        // the racer re-created it already
      }
      unlinkSync(aside);
      return fail(`uid ${uid} is being claimed by another sandbox`);
    }
    unlinkSync(aside);
    try {
      writeFileSync(file, ownTag, { flag: 'wx', mode: 0o600 });
    } catch {
      return fail(`uid ${uid} is being claimed by another sandbox`);
    }
    made.push(file);
    takenOver.push(uid);
  }
  const wanted = new Set<number>();
  for (let uid = first; uid <= last; uid++) if (!takenOver.includes(uid)) wanted.add(uid);
  const foreign = pidsOfUids(wanted);
  if (foreign.length > 0) {
    const [{ pid, uid } = { pid: 0, uid: 0 }] = foreign;
    return fail(`uid ${uid} is in use by process ${pid}, which no sandbox owns`);
  }
  return { first, last, takenOver, release };
}

// ---- stale things ----------------------------------------------------------------------------------------

/** Entries of `dir` named `<prefix>...` whose owner is dead (never one of a live owner, never a foreign name). */
export function staleEntries(dir: string, prefix: string, legacy = false): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && !ownerAlive(name, prefix, legacy))
    .map((name) => path.join(dir, name));
}

/** Removes a cgroup tree bottom-up, but only while no task lives anywhere in it; false when something is left. */
export function removeIdleCgroup(dir: string): boolean {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (entry.isDirectory() && !removeIdleCgroup(path.join(dir, entry.name))) return false;
  }
  try {
    if (readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() !== '') return false;
    rmdirSync(dir); // the kernel refuses (EBUSY) a cgroup with tasks in any case
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
