import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Pids of every live process whose real uid is `uid` (a /proc scan: used where no cgroup lists a run's
 * processes). Zombies are left out: they run nothing and hold nothing; bubblewrap's init can linger as one
 * until PID 1 reaps it.
 */
export function pidsOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const match = /^Uid:\s+(\d+)/m.exec(status);
      if (match && Number(match[1]) === uid && !/^State:\s+Z/m.test(status)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Every process's /proc/<pid>/status, read in libuv's thread pool (processes that exit meanwhile are left out). */
async function statusesAsync(): Promise<Array<{ pid: number; status: string }>> {
  const entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const read = await Promise.all(
    entries.map((entry) =>
      readFile(`/proc/${entry}/status`, 'utf8').then(
        (status) => ({ pid: Number(entry), status }),
        () => null,
      ),
    ),
  );
  return read.filter((item) => item !== null);
}

const uidOf = (status: string) => Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);

/**
 * pidsOfUid() with the reads in libuv's thread pool: a server's event loop spent ~2 ms per run reading
 * every /proc/<pid>/status synchronously.
 */
export async function pidsOfUidAsync(uid: number): Promise<number[]> {
  return (await statusesAsync())
    .filter(({ status }) => uidOf(status) === uid && !/^State:\s+Z/m.test(status))
    .map(({ pid }) => pid);
}

/** Tasks (threads, zombies included) whose real uid is `uid`: what RLIMIT_NPROC counts, as far as /proc shows. */
export async function tasksOfUidAsync(uid: number): Promise<number> {
  let tasks = 0;
  for (const { status } of await statusesAsync()) {
    if (uidOf(status) === uid) tasks += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
  }
  return tasks;
}

/** SIGKILLs each pid (those already gone are skipped). */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface KillUntilGoneOptions {
  /** Kills what `list` returned (default: SIGKILL each pid); a cgroup v2 may write `cgroup.kill` instead. */
  kill?: (pids: number[]) => void;
  /** Gives up after this long (default 5000 ms); the result then says whether anything is left. */
  deadlineMs?: number;
}

/**
 * Kills what `list` returns until it returns nothing: a fork loop can add processes while we kill, so it lists
 * again after a back-off (1, 2, 4 ... 50 ms). False when some are still there at the deadline. The one kill
 * loop of the package: a uid's processes, a cgroup's.
 */
export async function killUntilGone(
  list: () => number[] | Promise<number[]>,
  { kill = killPids, deadlineMs = 5000 }: KillUntilGoneOptions = {},
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const pids = await list();
    if (pids.length === 0) return true;
    kill(pids);
    if (Date.now() > deadline) return (await list()).length === 0;
    await sleep(delay);
  }
}

/** SIGKILLs every process of `uid` but those in `spare` (a warm box's own) until none is left. */
export function killUid(uid: number, deadlineMs = 5000, spare?: ReadonlySet<number>): Promise<boolean> {
  const list = async () => (await pidsOfUidAsync(uid)).filter((pid) => !spare?.has(pid));
  return killUntilGone(list, { deadlineMs });
}

/** SIGKILLs a process group; false when it no longer exists. */
export function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Live (non-zombie) processes whose real uid is in `uids`, in one /proc scan. */
export function pidsOfUids(uids: ReadonlySet<number>): Array<{ pid: number; uid: number }> {
  const found: Array<{ pid: number; uid: number }> = [];
  if (uids.size === 0) return found;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uids.has(uid) && !/^State:\s+Z/m.test(status)) found.push({ pid: Number(entry), uid });
    } catch {
      // exited while we looked
    }
  }
  return found;
}
