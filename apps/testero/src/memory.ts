import { MEMORY_PART_SIZES } from '@repo/chunks';
import { patternBytes } from './fill-pattern.ts';
import type { PartHolder } from './part-group.ts';

const PAGE = 4096;
// Filled in slices with a turn of the event loop between them, so the server answers while 1 GiB is written.
const SLICE = 8 * 1024 * 1024;
const pattern = patternBytes(1024 * 1024);
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
// glibc serves a malloc of at least its mmap threshold with a fresh mmap and gives it back with
// munmap on free; below it, memory comes from the heap, where freed parts stay resident until the
// top of the heap is free. The threshold grows after each free of an mmapped chunk, up to 32 MiB on
// 64-bit: so every part reserves at least that (only the pages written become resident), and a freed
// part of any size goes back to the system at once.
const MMAP_FLOOR = 32 * 1024 * 1024 + PAGE;

/**
 * Memory parts held for real: each part is its own off-heap buffer (allocUnsafeSlow: no pool, no
 * zeroing), every page written with pseudo-random data and stamped with the part's serial and page
 * number so that no two pages are alike (nothing for zram, zswap or KSM to shrink).
 */
export class MemoryParts implements PartHolder {
  readonly sizes = MEMORY_PART_SIZES;
  readonly #parts: Buffer[][] = MEMORY_PART_SIZES.map(() => []);
  #serial = 0;

  counts(): readonly number[] {
    return this.#parts.map((parts) => parts.length);
  }

  async add(index: number): Promise<void> {
    const size = Number(this.sizes[index]);
    const part = Buffer.allocUnsafeSlow(Math.max(size, MMAP_FLOOR)).subarray(0, size);
    const words = new Uint32Array(part.buffer, part.byteOffset, size / 4);
    const serial = ++this.#serial;
    for (let start = 0; start < size; start += SLICE) {
      const end = Math.min(size, start + SLICE);
      part.fill(pattern, start, end);
      for (let page = start; page < end; page += PAGE) {
        words[page / 4] = serial;
        words[page / 4 + 1] = page / PAGE;
      }
      if (end < size) await yieldToLoop();
    }
    this.#parts[index]?.push(part);
    await yieldToLoop();
  }

  async removeLast(index: number): Promise<void> {
    const part = this.#parts[index]?.pop();
    // Detaching frees the backing store now; merely dropping the reference would keep the memory
    // resident until some later garbage collection.
    if (part) (part.buffer as ArrayBuffer).transfer(0);
  }

  async close(): Promise<void> {
    for (const [index, parts] of this.#parts.entries()) {
      while (parts.length > 0) await this.removeLast(index);
    }
  }
}
