import { StringDecoder } from 'node:string_decoder';

/**
 * Keeps at most `cap` bytes of a stream and remembers whether more arrived; never buffers past the cap.
 * With `onText`, also hands on the kept bytes as they come, as text cut at character boundaries.
 */
export class CappedOutput {
  readonly cap: number;
  #chunks: Buffer[] = [];
  #kept = 0;
  #overflowed = false;
  readonly #onText: ((text: string) => void) | undefined;
  readonly #decoder: StringDecoder | undefined;

  constructor(cap: number, onText?: (text: string) => void) {
    this.cap = cap;
    this.#onText = onText;
    if (onText) this.#decoder = new StringDecoder('utf8');
  }

  /** Appends a chunk; returns false once the cap is exceeded. */
  push(chunk: Buffer): boolean {
    if (this.#overflowed) return false;
    const room = this.cap - this.#kept;
    if (chunk.length > room) {
      if (room > 0) this.#keep(chunk.subarray(0, room));
      this.#overflowed = true; // the decoder's incomplete last character is dropped, as in text()
      return false;
    }
    this.#keep(chunk);
    return true;
  }

  #keep(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    const text = this.#decoder?.write(chunk);
    if (text) this.#onText?.(text);
  }

  /** The stream ended: hands on what the decoder still holds (an incomplete character becomes U+FFFD). */
  end(): void {
    if (this.#overflowed) return;
    const text = this.#decoder?.end();
    if (text) this.#onText?.(text);
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** The kept bytes as text; when cut, the last incomplete UTF-8 character is dropped. Invalid bytes become U+FFFD. */
  text(): string {
    const bytes = Buffer.concat(this.#chunks, this.#kept);
    return decodeUtf8(this.#overflowed ? bytes.subarray(0, utf8Boundary(bytes)) : bytes);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Length of the longest prefix of `bytes` that does not end inside a multi-byte UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array): number {
  const end = bytes.length;
  // A character is at most 4 bytes: look back at most 3 continuation bytes for its lead byte.
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + need > end ? i : end;
  }
  return end; // only continuation bytes: invalid anyway, decoded with U+FFFD
}
