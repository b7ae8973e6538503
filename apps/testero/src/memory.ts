import { MEMORY_PART_SIZES } from '@repo/chunks';
import { patternBytes } from './fill-pattern.ts';
import type { PartHolder } from './part-group.ts';

const PAGE = 4096;
// Filled in slices with a turn of the event loop between them, so the server answers while 1 GiB is written.
const SLICE = 8 * 1024 * 1024;
const pattern = patternBytes(1024 * 1024);
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
// Parts are resizable ArrayBuffers: V8 maps their pages itself and unmaps them on resize(0), so a freed
// part goes back to the system at once. A plain Buffer comes from malloc, and glibc keeps freed parts
// below its (growing) mmap threshold in its heap: after 1 GiB in 256 KiB parts and a free of all of
// them, a plain Node process still had 1027 MiB resident; with resizable buffers 56 MiB.

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
    const part = Buffer.from(new ArrayBuffer(size, { maxByteLength: size }), 0, size);
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
    // Shrinking to nothing unmaps the pages now; merely dropping the reference would keep the memory
    // resident until some later garbage collection.
    if (part) (part.buffer as ArrayBuffer).resize(0);
  }

  async close(): Promise<void> {
    for (const [index, parts] of this.#parts.entries()) {
      while (parts.length > 0) await this.removeLast(index);
    }
  }
}
