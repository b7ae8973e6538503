import { chownSync, readFileSync } from 'node:fs';
import { chown, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { killUntilGone } from '../procs.ts';
import type { RunCgroup } from './types.ts';

// Small sysfs files are read and written synchronously: each call is a few microseconds and keeps a run's
// set-up free of extra event-loop turns. Creating and removing a cgroup directory is not (mkdir ~1.5 ms,
// rmdir ~2.4 ms in a server with charged page cache): those run in libuv's thread pool, off the run's path.
// The parsers take text, so they are tested without a cgroup.

/**
 * Maps controller name (or '' for the v2 hierarchy) to the cgroup path of this process, from
 * /proc/self/cgroup: `4:cpu,cpuacct:/x` (v1, one line per hierarchy), `0::/x` (v2).
 */
export function parseOwnCgroups(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, controllers = '', cgroupPath = '/'] = match;
    if (controllers === '') own.set('', cgroupPath);
    for (const controller of controllers.split(',')) if (controller) own.set(controller, cgroupPath);
  }
  return own;
}

/** The `key value` lines of a flat keyed file (memory.stat, memory.events, cpu.stat, memory.oom_control). */
export function parseKeyed(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) (\d+)$/.exec(line);
    if (match && !values.has(match[1] as string)) values.set(match[1] as string, Number(match[2]));
  }
  return values;
}

/** Pids of cgroup.procs (or tasks): one a line. */
export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

export function readNumber(file: string): number | null {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

export function readKeyed(file: string, key: string): number | null {
  try {
    return parseKeyed(readFileSync(file, 'utf8')).get(key) ?? null;
  } catch {
    return null;
  }
}

/** Pids in a cgroup.procs file; none when it is gone. */
export function readPids(file: string): number[] {
  try {
    return parsePids(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/** SIGKILLs the processes of the cgroup `dir` until it is empty; false if some survive. */
export function killCgroup(dir: string, spare?: ReadonlySet<number>): Promise<boolean> {
  const procs = path.join(dir, 'cgroup.procs');
  return killUntilGone(() => readPids(procs).filter((pid) => !spare?.has(pid)));
}

/**
 * A warm box's cgroup as one run sees it (v1 and v2 alike): its pids but the box's own (`resident`), killed
 * until none is left, and none at all once the run is over (release()), so that a late kill loop never
 * reaches the next run.
 */
export function runView(
  list: () => number[],
  resident: readonly number[],
  figures: Pick<RunCgroup, 'cpuTimeMs' | 'measure'>,
): RunCgroup {
  const spared = new Set(resident);
  let over = false;
  const pids = () => (over ? [] : list().filter((pid) => !spared.has(pid)));
  return {
    joinFiles: [],
    joinPid: '0',
    ...figures,
    pids,
    killAll: (deadlineMs = 5000) => killUntilGone(pids, { deadlineMs }),
    release: () => {
      over = true;
    },
  };
}

// The wrapper runs as the box uid and moves itself in (v1): it may write only these files.
const joinFiles = ['cgroup.procs', 'tasks'];

export function chownJoinFiles(dir: string, uid: number): void {
  for (const file of joinFiles) chownSync(path.join(dir, file), uid, uid);
}

export async function chownJoinFilesAsync(dir: string, uid: number): Promise<void> {
  for (const file of joinFiles) await chown(path.join(dir, file), uid, uid);
}

export async function removeDir(dir: string): Promise<void> {
  // rmdir of a cgroup can fail with EBUSY for a moment after its last process was reaped (longer on a slow
  // or emulated machine): retried for up to 5 s.
  const deadline = performance.now() + 5000;
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || performance.now() > deadline) throw error;
      await sleep(Math.min(10 * (attempt + 1), 100));
    }
  }
}

/**
 * Run cgroups being removed in the background. Bounded: past `max` pending, the next run waits for the
 * oldest (removals that keep failing must not pile up); `drain()` waits for all (destroy, close).
 */
export class Removals {
  readonly #pending = new Set<Promise<void>>();
  readonly #max = 8;

  add(dir: string, onDone: () => void): void {
    const removal: Promise<void> = removeDir(dir)
      .then(onDone, () => {
        // still busy: destroy() retries while killing what is left
      })
      .finally(() => this.#pending.delete(removal));
    this.#pending.add(removal);
  }

  async bound(): Promise<void> {
    while (this.#pending.size >= this.#max) await Promise.race(this.#pending);
  }

  async drain(): Promise<void> {
    await Promise.all(this.#pending);
  }
}
