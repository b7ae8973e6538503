import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '@repo/sandbox';

export interface CompileCacheOptions {
  /** Where the compiled artifacts are kept; emptied at start. Keep it on the boxes' file system so restores can hard-link. */
  dir: string;
  /** Upper bound of the artifacts' bytes; the least recently used entries go first. 0 disables the cache. */
  maxBytes: number;
}

/** What a compile stage produced, or the cache answered. */
export interface CompileOutcome {
  result: RunResult;
  /** True when the compiler did not run: the artifacts came from the cache. */
  cached: boolean;
}

export interface CompileInBoxOptions {
  key: string;
  boxDir: string;
  /** Runs the compiler in the box. */
  compile: () => Promise<RunResult>;
  /** Top-level names in the box that are compiler scratch space, not artifacts. */
  ignore?: readonly string[];
  /**
   * Hard-link the artifacts into the box instead of copying. Only safe when the sandboxed code runs as
   * another user than the server (root-owned, read-only links cannot be written through).
   */
  link: boolean;
}

interface Entry {
  key: string;
  dir: string;
  bytes: number;
  /** Relative paths and modes of the artifacts. */
  files: { path: string; mode: number }[];
  /** Relative directories the artifacts need in the box, parents first (made once per restore). */
  dirs: string[];
  result: RunResult;
  pins: number;
  evicted: boolean;
}

export interface CompileCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
}

/** Only an answer of the compiler itself (success or its own error) is worth keeping; not a timeout or a crash. */
function cacheable(result: RunResult): boolean {
  return result.status === 'ok' || result.status === 'runtime-error';
}

/**
 * Compiled programs by a hash of everything that decides the compiler's output, bounded in bytes with LRU
 * eviction. Identical requests that arrive together compile once: the others wait for the first.
 */
export class CompileCache {
  readonly #options: CompileCacheOptions;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry | null>>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #sequence = 0;
  #linkWorks = true;

  constructor(options: CompileCacheOptions) {
    this.#options = options;
  }

  /** Empties and creates the cache directory (entries of an earlier process are not trusted). */
  async init(): Promise<void> {
    await fs.rm(this.#options.dir, { recursive: true, force: true });
    await fs.mkdir(this.#options.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The cache key of a compile: a hash of all of its inputs, in a stable order. The files' bytes are hashed
   * as they are (each after its name and length, so no two different sets of files hash alike), not encoded.
   */
  static key(parts: unknown, files: readonly { name: string; content: Uint8Array }[] = []): string {
    const hash = createHash('sha256').update(JSON.stringify(parts));
    for (const file of files)
      hash.update(`\n${JSON.stringify(file.name)} ${file.content.length}\n`).update(file.content);
    return hash.digest('hex');
  }

  stats(): CompileCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxBytes: this.#options.maxBytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }

  /** Leaves the compiled program in `boxDir`: restored from the cache, or compiled there (and then kept). */
  async compileInBox(options: CompileInBoxOptions): Promise<CompileOutcome> {
    if (this.#options.maxBytes === 0) return { result: await options.compile(), cached: false };
    // Decide without awaiting first: an await here would let identical requests all miss together.
    const kept = this.#entries.get(options.key);
    const pending = kept ? undefined : this.#inflight.get(options.key);
    const ready = kept ?? (pending ? await pending.catch(() => null) : null);
    if (ready && !ready.evicted) {
      const restored = await this.#restore(ready, options);
      if (restored) return restored;
    }

    this.#misses++;
    let settle!: (entry: Entry | null) => void;
    const compiling = new Promise<Entry | null>((resolve) => {
      settle = resolve;
    });
    // A later identical request waits for this compile instead of starting its own.
    const first = !this.#inflight.has(options.key);
    if (first) this.#inflight.set(options.key, compiling);
    let entry: Entry | null = null;
    try {
      const result = await options.compile();
      if (cacheable(result)) entry = await this.#store(options, result).catch(() => null);
      return { result, cached: false };
    } finally {
      settle(entry);
      if (first) this.#inflight.delete(options.key);
    }
  }

  async #restore(entry: Entry, options: CompileInBoxOptions): Promise<CompileOutcome | null> {
    entry.pins++;
    this.#touch(entry);
    try {
      for (const dir of entry.dirs) await fs.mkdir(path.join(options.boxDir, dir), { recursive: true });
      for (const file of entry.files) {
        const from = path.join(entry.dir, file.path);
        const to = path.join(options.boxDir, file.path);
        if (options.link && this.#linkWorks) {
          try {
            await this.#link(from, to);
            continue;
          } catch (error) {
            // Boxes on their own file system (a tmpfs each): links cannot cross, copy from now on.
            if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
            this.#linkWorks = false;
          }
        }
        await this.#copy(from, to);
        await fs.chmod(to, file.mode);
      }
      this.#hits++;
      // No compiler ran: the stage reports the kept output and no time or memory.
      return { result: { ...entry.result, wallTimeMs: 0, cpuTimeMs: 0, memoryBytes: 0 }, cached: true };
    } catch {
      return null;
    } finally {
      entry.pins--;
      if (entry.evicted && entry.pins === 0) void fs.rm(entry.dir, { recursive: true, force: true });
    }
  }

  /** Links `from` at `to`; a file already at `to` (a source of the request named like an artifact) is replaced. */
  async #link(from: string, to: string): Promise<void> {
    try {
      await fs.link(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await fs.rm(to, { force: true });
      await fs.link(from, to);
    }
  }

  /** Copies `from` to `to` (a reflink where the file system can); a file already at `to` is replaced. */
  async #copy(from: string, to: string): Promise<void> {
    try {
      await fs.copyFile(from, to, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A source file of the request may share a name with an artifact (it is in the key, so equal).
      await fs.rm(to, { force: true });
      await fs.copyFile(from, to, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
    }
  }

  async #store(options: CompileInBoxOptions, result: RunResult): Promise<Entry | null> {
    const existing = this.#entries.get(options.key);
    if (existing) return existing;
    const dir = path.join(this.#options.dir, `${(this.#sequence++).toString(36)}-${options.key.slice(0, 16)}`);
    const files: Entry['files'] = [];
    let bytes = 0;
    const ignore = new Set(options.ignore ?? []);
    // Walk the box without following links: whatever the compile planted stays a link and is skipped.
    const walk = async (relative: string): Promise<void> => {
      const entries = await fs.readdir(path.join(options.boxDir, relative), { withFileTypes: true });
      for (const dirent of entries) {
        const rel = relative ? `${relative}/${dirent.name}` : dirent.name;
        if (!relative && ignore.has(dirent.name)) continue;
        if (dirent.isDirectory()) await walk(rel);
        else if (dirent.isFile()) {
          const from = path.join(options.boxDir, rel);
          const stat = await fs.lstat(from);
          if (!stat.isFile()) continue;
          bytes += stat.size;
          if (bytes > this.#options.maxBytes) throw new Error('compile output larger than the whole cache');
          const to = path.join(dir, rel);
          await fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
          await fs.copyFile(from, to, fsConstants.COPYFILE_FICLONE);
          // Read-only for everyone: the restored links cannot be written through by the program.
          const mode = stat.mode & 0o111 ? 0o555 : 0o444;
          await fs.chmod(to, mode);
          files.push({ path: rel, mode });
        }
      }
    };
    try {
      await fs.mkdir(dir, { mode: 0o755 });
      await walk('');
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
    const dirs = new Set<string>();
    for (const file of files) {
      const parent = path.posix.dirname(file.path);
      if (parent !== '.') dirs.add(parent);
    }
    // mkdir -p of the deepest ones is enough; sorted so parents come first anyway.
    const needed = [...dirs].filter((d) => ![...dirs].some((other) => other.startsWith(`${d}/`))).sort();
    const entry: Entry = { key: options.key, dir, bytes, files, dirs: needed, result, pins: 0, evicted: false };
    this.#entries.set(options.key, entry);
    this.#bytes += bytes;
    this.#evict();
    return entry;
  }

  #touch(entry: Entry): void {
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
  }

  #evict(): void {
    for (const entry of this.#entries.values()) {
      if (this.#bytes <= this.#options.maxBytes) break;
      this.#entries.delete(entry.key);
      this.#bytes -= entry.bytes;
      entry.evicted = true;
      if (entry.pins === 0) void fs.rm(entry.dir, { recursive: true, force: true });
    }
  }

  /** Removes every kept artifact. */
  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
    await fs.rm(this.#options.dir, { recursive: true, force: true });
  }
}
