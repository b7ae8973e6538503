import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGKILLs every process of `uid` until none is left (a fork loop can add some while we kill). */
export async function killUid(uid: number, deadlineMs = 5000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const pids = await pidsOfUidAsync(uid);
    if (pids.length === 0) return true;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (Date.now() > deadline) return (await pidsOfUidAsync(uid)).length === 0;
    await sleep(delay);
  }
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
