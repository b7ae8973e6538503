// Judge0's `additional_files`: a zip archive, base64-encoded, whose files join the submission in the box.
// Judge0 runs `unzip -n` in the box and ignores what it refuses; here the archive is unpacked in memory, before
// anything runs, and an archive that cannot be unpacked whole and safely is refused with the reason.
import { crc32 } from 'node:zlib';
import { fileNameProblem } from '@repo/runner-api';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { fileNameBytesProblem, maxBoxEntries } from '../routes/request-bounds.ts';

/** Judge0's `max_extract_size` default (MAX_EXTRACT_SIZE, app/helpers/config.rb): 10240 KB. */
export const defaultMaxExtractBytes = 10240 * 1024;

/** One file of the archive: its path relative to the box, and its bytes. */
export interface AdditionalFile {
  name: string;
  content: Buffer;
}

export interface UnpackOptions {
  /** The most bytes all the files may inflate to, counted as they inflate (Judge0's `max_extract_size`). */
  maxExtractBytes: number;
  /** The most files and directories the archive may make in the box (default: what a request's files may make). */
  maxEntries?: number;
}

/** `additional_files` cannot be unpacked into the box; the message says what is wrong and what is expected. */
export class AdditionalFilesError extends Error {
  override name = 'AdditionalFilesError';
}

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The archive's bytes from its base64 text. Line breaks are allowed (Ruby's encode64 writes them) and so is
 * missing padding; any other character is refused rather than skipped as Ruby's decode64 would.
 */
export function decodeArchive(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  const padded = compact.includes('=');
  if (!base64Text.test(compact) || compact.length % 4 === 1 || (padded && compact.length % 4 !== 0)) {
    throw new AdditionalFilesError(
      'is not valid base64: expected the bytes of a zip archive in base64 (A-Z, a-z, 0-9, "+", "/" and "=" padding), whatever base64_encoded says',
    );
  }
  return Buffer.from(compact, 'base64');
}

/** Unpacks `additional_files` (base64 of a zip) as the box will hold it; throws AdditionalFilesError. */
export function unpackAdditionalFiles(text: string, options: UnpackOptions): Promise<AdditionalFile[]> {
  return unpackArchive(decodeArchive(text), options);
}

const quote = (name: string) => JSON.stringify(name);

/** The file types of unix modes (the upper half of `externalFileAttributes` when the archive was made on unix). */
const fileType = 0o170000;
const regularFile = 0o100000;
const directory = 0o040000;
// A Map: biome's fix for numeric keys misreads octal ones.
const specialTypes = new Map<number, string>([
  [0o120000, 'a symbolic link'],
  [0o010000, 'a FIFO'],
  [0o020000, 'a character device'],
  [0o060000, 'a block device'],
  [0o140000, 'a socket'],
]);

/** The entry's name as the archive spells it: no `/` for `\` and no refusal yet, so that every check says why. */
function rawName(entry: Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

/** Why an entry's name cannot be a path inside the box, or null (the rules of a request's file names, and more). */
export function entryNameProblem(name: string): string | null {
  if (name.includes('\0')) return 'contains NUL';
  if (name.includes('\\')) return 'contains a backslash: zip entries separate directories with "/" only';
  if (name.startsWith('/')) return 'is an absolute path: names must be relative to the box';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter: names must be relative to the box';
  const path = name.endsWith('/') ? name.slice(0, -1) : name;
  if (path.split('/').includes('..')) return 'climbs out of the box with "..": names must stay inside it';
  return fileNameProblem(path) ?? fileNameBytesProblem(path);
}

/** A file, a directory, or what else the entry is (refused: only regular files and directories are extracted). */
function kindOf(entry: Entry, name: string): 'file' | 'directory' | { special: string } {
  const type = (entry.externalFileAttributes >>> 16) & fileType;
  if (name.endsWith('/') || type === directory) return 'directory';
  if (type === 0 || type === regularFile) return 'file';
  return { special: specialTypes.get(type) ?? `of unix file type 0o${type.toString(8)}` };
}

/** Names taken so far: a name may be a file or a directory, never both, and a file only once. */
class BoxNames {
  readonly files = new Set<string>();
  readonly directories = new Set<string>();

  get size(): number {
    return this.files.size + this.directories.size;
  }

  add(name: string, kind: 'file' | 'directory'): void {
    if (this.files.has(name) && kind === 'file') {
      throw new AdditionalFilesError(`holds ${quote(name)} twice: names must be unique`);
    }
    if (this.files.has(name) || (kind === 'file' && this.directories.has(name))) {
      throw new AdditionalFilesError(`holds ${quote(name)} both as a file and as a directory`);
    }
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.files.has(parent)) {
        throw new AdditionalFilesError(`holds ${quote(parent)} both as a file and as the directory of ${quote(name)}`);
      }
      this.directories.add(parent);
    }
    (kind === 'file' ? this.files : this.directories).add(name);
  }
}

function notAZip(error: unknown): AdditionalFilesError {
  return new AdditionalFilesError(
    `is not a zip archive that can be read (${(error as Error).message}): expected a .zip file, base64-encoded`,
  );
}

/** The entry's bytes, inflated until `room` bytes at most: `overflow()` is thrown past that, whatever the header said. */
async function inflate(zipfile: ZipFile, entry: Entry, name: string, room: number, overflow: () => Error) {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const stream = await zipfile.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > room) throw overflow();
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof AdditionalFilesError) throw error;
    throw new AdditionalFilesError(`has a damaged entry ${quote(name)} (${(error as Error).message})`);
  }
  const content = Buffer.concat(chunks, size);
  if (crc32(content) !== entry.crc32) {
    throw new AdditionalFilesError(`has a damaged entry ${quote(name)} (its CRC-32 does not match its content)`);
  }
  return content;
}

/**
 * The files of a zip archive, each with its path relative to the box. Refused whole (AdditionalFilesError):
 * names that are absolute, climb out with `..`, hold a backslash or NUL, or break the rules of a request's
 * file names; links and other special files; duplicates; encrypted entries or unknown compression; more than
 * `maxEntries` files and directories; more than `maxExtractBytes` inflated. Directory entries make nothing
 * (their files make them, so an empty directory is not kept).
 */
export async function unpackArchive(zip: Buffer, options: UnpackOptions): Promise<AdditionalFile[]> {
  const maxEntries = options.maxEntries ?? maxBoxEntries;
  let zipfile: ZipFile;
  try {
    zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true, decodeStrings: false });
  } catch (error) {
    throw notAZip(error);
  }
  const tooMany = (count: number | string) =>
    new AdditionalFilesError(
      `holds ${count} files and directories: at most ${maxEntries} can be extracted into the box`,
    );
  const tooBig = () =>
    new AdditionalFilesError(
      `inflates to more than ${options.maxExtractBytes} bytes: at most max_extract_size (${Math.floor(options.maxExtractBytes / 1024)} KB) can be extracted`,
    );
  try {
    if (zipfile.entryCount > maxEntries) throw tooMany(zipfile.entryCount);
    const files: AdditionalFile[] = [];
    const names = new BoxNames();
    let total = 0;
    const entries = zipfile.eachEntry();
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (error) {
        throw notAZip(error);
      }
      if (next.done) break;
      const entry = next.value;
      const name = rawName(entry);
      const problem = entryNameProblem(name);
      if (problem) throw new AdditionalFilesError(`has an entry ${quote(name)} that ${problem}`);
      const kind = kindOf(entry, name);
      const path = name.replace(/\/$/, '');
      if (typeof kind === 'object') {
        throw new AdditionalFilesError(
          `has an entry ${quote(name)} that is ${kind.special}: only regular files and directories are extracted`,
        );
      }
      names.add(path, kind);
      if (names.size > maxEntries) throw tooMany(`more than ${maxEntries}`);
      if (kind === 'directory') continue;
      if (entry.isEncrypted()) {
        throw new AdditionalFilesError(`has an encrypted entry ${quote(name)}: expected an archive without a password`);
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new AdditionalFilesError(
          `has an entry ${quote(name)} compressed with method ${entry.compressionMethod}: expected stored (0) or deflate (8)`,
        );
      }
      // The header's size refuses an honest bomb before it inflates; the count while inflating refuses the others.
      if (entry.uncompressedSize > options.maxExtractBytes - total) throw tooBig();
      const content = await inflate(zipfile, entry, name, options.maxExtractBytes - total, tooBig);
      total += content.length;
      files.push({ name: path, content });
    }
    return files;
  } finally {
    zipfile.close();
  }
}
