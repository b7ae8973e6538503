import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the kernel's views live; tests point these at a fake tree. */
export interface SystemPaths {
  proc?: string;
  cgroupRoot?: string;
}

export interface MemoryRoom {
  /** Bytes this process can still take, before the safety margin. */
  available: bigint;
  /** What bounded it: `MemAvailable`, or the cgroup file that did. */
  source: string;
}

const MiB = 1024n * 1024n;
// Limits at or above this mean "no limit" (cgroup v1 writes 9223372036854771712 for unlimited).
export const UNLIMITED = 2n ** 60n;

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function readBytes(path: string): Promise<bigint | undefined> {
  const text = (await readText(path))?.trim();
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/** `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `` (the limit that binds may be set on any ancestor). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
}

/** One line of /proc/self/cgroup that carries a controller: its version and its directories, own first. */
export interface CgroupCandidate {
  version: 1 | 2;
  /** The process's cgroup and each ancestor, deepest first, under our mount of the hierarchy. */
  dirs: string[];
}

/**
 * Where a controller of this process's cgroup may live: for each line of `/proc/self/cgroup` that has it
 * (a v1 line naming it, or the v2 line), the cgroup and its ancestors. Inside a container without a
 * cgroup namespace the path may not exist under our mount, whose root is then ours: the ancestors cover it.
 * `v1Mounts`: the directory names a v1 hierarchy of this controller may be mounted at.
 */
export async function cgroupCandidates(
  paths: SystemPaths,
  controller: string,
  v1Mounts: readonly string[] = [controller],
): Promise<CgroupCandidate[]> {
  const proc = paths.proc ?? '/proc';
  const cgroupRoot = paths.cgroupRoot ?? '/sys/fs/cgroup';
  const lines = (await readText(join(proc, 'self/cgroup')))?.split('\n') ?? [];
  const candidates: CgroupCandidate[] = [];
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || controllers === undefined) continue;
    if (controllers === '') {
      candidates.push({ version: 2, dirs: ancestors(path).map((p) => join(cgroupRoot, p)) });
    } else if (controllers.split(',').includes(controller)) {
      for (const mount of new Set([...v1Mounts, controllers]))
        candidates.push({ version: 1, dirs: ancestors(path).map((p) => join(cgroupRoot, mount, p)) });
    }
  }
  return candidates;
}

async function cgroupRoom(paths: SystemPaths): Promise<MemoryRoom | undefined> {
  let best: MemoryRoom | undefined;
  const consider = async (dir: string, limitFile: string, usageFile: string, inactiveFileKey: string) => {
    const limit = await readBytes(join(dir, limitFile));
    const current = await readBytes(join(dir, usageFile));
    if (limit === undefined || current === undefined || limit >= UNLIMITED) return;
    // The usage counts page cache too (files written, e.g. by a disk fill): its inactive part is reclaimed
    // before an OOM kill, so it is room, as in the kubelet's "working set" (usage - inactive_file).
    const stat = (await readText(join(dir, 'memory.stat'))) ?? '';
    const inactive = new RegExp(`^${inactiveFileKey} (\\d+)$`, 'm').exec(stat)?.[1];
    const reclaimable = inactive === undefined ? 0n : BigInt(inactive);
    const usage = current > reclaimable ? current - reclaimable : 0n;
    const room = limit > usage ? limit - usage : 0n;
    if (!best || room < best.available) best = { available: room, source: join(dir, limitFile) };
  };
  for (const { version, dirs } of await cgroupCandidates(paths, 'memory')) {
    for (const dir of dirs) {
      if (version === 2) await consider(dir, 'memory.max', 'memory.current', 'inactive_file');
      else await consider(dir, 'memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file');
    }
  }
  return best;
}

/**
 * The memory this process can really take: the smaller of `MemAvailable` and, in a cgroup with a
 * limit (v1 or v2, on any ancestor), that limit minus current usage — minus a safety margin of
 * 64 MiB plus 5 % so that reaching the limit does not starve the server itself.
 */
export async function defaultMemoryLimit(paths: SystemPaths = {}): Promise<{ limit: bigint } & MemoryRoom> {
  const proc = paths.proc ?? '/proc';
  const meminfo = (await readText(join(proc, 'meminfo'))) ?? '';
  const kib = /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1];
  let room: MemoryRoom = { available: kib === undefined ? 0n : BigInt(kib) * 1024n, source: 'MemAvailable' };
  const cgroup = await cgroupRoom(paths);
  if (cgroup && cgroup.available < room.available) room = cgroup;
  const margin = 64n * MiB + room.available / 20n;
  return { ...room, limit: room.available > margin ? room.available - margin : 0n };
}

/** Free space for unprivileged users on the filesystem holding `dir` (`bavail * bsize`). */
export async function defaultDiskLimit(dir: string): Promise<bigint> {
  const stats = await statfs(dir, { bigint: true });
  return stats.bavail * stats.bsize;
}
