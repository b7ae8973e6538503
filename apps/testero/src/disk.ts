import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DISK_PART_SIZES } from '@repo/chunks';
import { patternBytes } from './fill-pattern.ts';
import type { PartHolder } from './part-group.ts';

/** Data directories are `DATADIR/testero-<16 hex>`; the marker inside says who made it. */
const DIR_PATTERN = /^testero-[0-9a-f]{16}$/;
export const MARKER_NAME = '.testero-owner';
const MAGIC = 'testero data directory; removed by testero at start-up once its owner is gone';
/** The marker is touched this often while its owner lives; an older one means the owner is gone. */
const HEARTBEAT_MS = 30_000;
const STALE_MS = 4 * HEARTBEAT_MS;
// One write buffer, reused for every file: large writes are what makes filling fast.
const WRITE_SIZE = 8 * 1024 * 1024;
const writeBuffer = patternBytes(WRITE_SIZE, 0x2545f491);

interface Owner {
  magic: string;
  pid: number;
  host: string;
  bootId: string;
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat field 22): tells pid reuse apart. */
  startTime: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** A process's state letter (R, S, Z…) and start time, from /proc/<pid>/stat (fields 3 and 22). */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

const startTimeOf = (pid: number) => procStat(pid)?.startTime;

function ownerIsGone(owner: Owner, markerAgeMs: number): boolean {
  if (owner.host === hostname() && owner.bootId === bootId()) {
    const proc = procStat(owner.pid);
    // A restarted container reuses pids (often 1): the start time tells the old owner from us. A killed
    // owner that is not reaped yet (a zombie, or dead) keeps its start time but will never run again.
    return proc === undefined || proc.startTime !== owner.startTime || proc.state === 'Z' || proc.state === 'X';
  }
  // Another host (a shared volume): only a marker that stopped being touched tells.
  return markerAgeMs > STALE_MS;
}

/**
 * Removes the data directories that earlier testero instances left in `dataDir` when they were
 * killed. Only directories with our name pattern and a marker with our magic line are touched.
 */
export async function removeLeftovers(dataDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !DIR_PATTERN.test(entry.name)) continue;
    const dir = join(dataDir, entry.name);
    const marker = join(dir, MARKER_NAME);
    let owner: Owner;
    let age: number;
    try {
      owner = JSON.parse(await readFile(marker, 'utf8')) as Owner;
      age = Date.now() - (await stat(marker)).mtimeMs;
    } catch {
      continue;
    }
    if (owner.magic !== MAGIC || !ownerIsGone(owner, age)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/**
 * Disk parts as real files `<root>/d-<size>/f-<n>`: written in 8 MiB blocks of pseudo-random data
 * (not sparse, not zeros), fsynced, then renamed into place so that a file that exists is complete.
 */
export class DiskFiles implements PartHolder {
  readonly sizes = DISK_PART_SIZES;
  readonly root: string;
  readonly parallelism = 4;
  /** The numbers of the complete files per size; files of one batch complete out of order. */
  readonly #done: Set<number>[] = DISK_PART_SIZES.map(() => new Set());
  /** The last number handed to an add. */
  readonly #next = DISK_PART_SIZES.map(() => 0);
  readonly #heartbeat: NodeJS.Timeout;

  private constructor(root: string) {
    this.root = root;
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      utimes(join(root, MARKER_NAME), now, now).catch(() => {});
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Makes a fresh marked data directory in `dataDir`. */
  static async create(dataDir: string): Promise<DiskFiles> {
    const root = join(dataDir, `testero-${randomBytes(8).toString('hex')}`);
    await mkdir(root);
    const owner: Owner = {
      magic: MAGIC,
      pid: process.pid,
      host: hostname(),
      bootId: bootId(),
      startTime: startTimeOf(process.pid) ?? '',
    };
    await writeFile(join(root, MARKER_NAME), `${JSON.stringify(owner)}\n`);
    return new DiskFiles(root);
  }

  dirOf(index: number): string {
    return join(this.root, `d-${this.sizes[index]}`);
  }

  counts(): readonly number[] {
    return this.#done.map((done) => done.size);
  }

  /** Files that really exist now, per size. */
  async countExisting(): Promise<number[]> {
    return Promise.all(
      this.sizes.map(async (_, index) => {
        try {
          return (await readdir(this.dirOf(index))).filter((name) => /^f-\d+$/.test(name)).length;
        } catch {
          return 0;
        }
      }),
    );
  }

  async add(index: number): Promise<void> {
    const size = Number(this.sizes[index]);
    const dir = this.dirOf(index);
    const n = (this.#next[index] ?? 0) + 1;
    this.#next[index] = n;
    await mkdir(dir, { recursive: true });
    const partial = join(dir, `.f-${n}.partial`);
    try {
      const file = await open(partial, 'w');
      try {
        for (let written = 0; written < size; ) {
          const { bytesWritten } = await file.write(writeBuffer, 0, Math.min(WRITE_SIZE, size - written));
          written += bytesWritten;
        }
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(partial, join(dir, `f-${n}`));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    this.#done[index]?.add(n);
  }

  async removeLast(index: number): Promise<void> {
    const done = this.#done[index];
    if (!done || done.size === 0) return;
    const n = Math.max(...done);
    await rm(join(this.dirOf(index), `f-${n}`), { force: true });
    done.delete(n);
    this.#next[index] = done.size === 0 ? 0 : Math.max(...done);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await rm(this.root, { recursive: true, force: true });
    for (const done of this.#done) done.clear();
    this.#next.fill(0);
  }
}
