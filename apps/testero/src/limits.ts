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
const UNLIMITED = 2n ** 60n;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readBytes(path: string): Promise<bigint | undefined> {
  const text = (await readText(path))?.trim();
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/** `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `` (the limit that binds may be set on any ancestor). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
}

async function cgroupRoom(proc: string, cgroupRoot: string): Promise<MemoryRoom | undefined> {
  const lines = (await readText(join(proc, 'self/cgroup')))?.split('\n') ?? [];
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
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    // Inside a container with a cgroup namespace the path may not exist under our mount: its root is ours.
    if (controllers === '') {
      for (const p of ancestors(path))
        await consider(join(cgroupRoot, p), 'memory.max', 'memory.current', 'inactive_file');
    } else if (controllers?.split(',').includes('memory')) {
      for (const p of ancestors(path))
        await consider(
          join(cgroupRoot, 'memory', p),
          'memory.limit_in_bytes',
          'memory.usage_in_bytes',
          'total_inactive_file',
        );
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
  const cgroup = await cgroupRoom(proc, paths.cgroupRoot ?? '/sys/fs/cgroup');
  if (cgroup && cgroup.available < room.available) room = cgroup;
  const margin = 64n * MiB + room.available / 20n;
  return { ...room, limit: room.available > margin ? room.available - margin : 0n };
}

/** Free space for unprivileged users on the filesystem holding `dir` (`bavail * bsize`). */
export async function defaultDiskLimit(dir: string): Promise<bigint> {
  const stats = await statfs(dir, { bigint: true });
  return stats.bavail * stats.bsize;
}
