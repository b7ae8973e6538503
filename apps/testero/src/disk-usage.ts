import type { BigIntStats } from 'node:fs';
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** What the files under a directory take on disk, counted as the kubelet's eviction manager counts them. */
export interface DirUsage {
  /** Allocated bytes (st_blocks × 512) of every file, directory and link under it, the directory included. */
  bytes: bigint;
  inodes: number;
}

const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * A du of `dir` as the kubelet does it for an emptyDir or a container's writable layer
 * (`pkg/volume/util/fs.DiskUsage`): lstat every entry, add st_blocks × 512, count a hard-linked inode
 * once, do not descend into other filesystems, and skip what is deleted meanwhile.
 */
export async function dirUsage(dir: string): Promise<DirUsage> {
  const top = await lstat(dir, { bigint: true });
  const seen = new Set<bigint>();
  const usage: DirUsage = { bytes: 0n, inodes: 0 };
  const visit = async (path: string, stats: BigIntStats) => {
    if (stats.dev !== top.dev) return;
    if (stats.nlink > 1n) {
      if (seen.has(stats.ino)) return;
      seen.add(stats.ino);
    }
    usage.bytes += stats.blocks * 512n;
    usage.inodes++;
    if (!stats.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      if (gone(error)) return;
      throw error;
    }
    for (const name of names) {
      const child = join(path, name);
      try {
        await visit(child, await lstat(child, { bigint: true }));
      } catch (error) {
        if (!gone(error)) throw error;
      }
    }
  };
  await visit(dir, top);
  return usage;
}

/** Space on the filesystem holding `dir`: `available` to unprivileged users (bavail), `free` (bfree), `size`. */
export async function filesystemSpace(dir: string): Promise<{ available: bigint; free: bigint; size: bigint }> {
  const stats = await statfs(dir, { bigint: true });
  return { available: stats.bavail * stats.bsize, free: stats.bfree * stats.bsize, size: stats.blocks * stats.bsize };
}
