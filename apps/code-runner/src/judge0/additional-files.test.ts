import os from 'node:os';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { fakeRuntimes } from '../../test/fake-runner.ts';
import { readConfig } from '../config.ts';
import { maximaFromConfig } from '../limits.ts';
import {
  AdditionalFilesError,
  decodeArchive,
  type UnpackOptions,
  unpackAdditionalFiles,
  unpackArchive,
} from './additional-files.ts';
import { judge0Languages, multiFileRuntime } from './languages.ts';
import { submissionBox } from './run.ts';
import { acceptSubmission, configInfo, judge0Settings, type NewSubmission, parseSubmission } from './submission.ts';

interface ZipEntry {
  name: string;
  content?: string | Buffer;
  /** Unix mode with its file type, e.g. 0o120777 for a symbolic link. */
  mode?: number;
  directory?: boolean;
  compress?: boolean;
}

/** A zip archive made by yazl, as a client would make it. */
function makeZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    const options = entry.mode === undefined ? {} : { mode: entry.mode };
    if (entry.directory) zip.addEmptyDirectory(entry.name, options);
    else zip.addBuffer(Buffer.from(entry.content ?? ''), entry.name, { ...options, compress: entry.compress ?? true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** The archive with every spelling of a name replaced by another of the same length (one yazl refuses to write). */
function rename(zip: Buffer, from: string, to: string): Buffer {
  const [a, b] = [Buffer.from(from, 'latin1'), Buffer.from(to, 'latin1')];
  expect(a.length).toBe(b.length);
  const out = Buffer.from(zip);
  let replaced = 0;
  for (let at = out.indexOf(a); at !== -1; at = out.indexOf(a, at + 1)) {
    b.copy(out, at);
    replaced++;
  }
  expect(replaced).toBe(2); // the local header and the central directory
  return out;
}

/** The archive with a field of its first central directory header overwritten (offsets of APPNOTE 4.3.12). */
function patchCentral(zip: Buffer, field: 'flags' | 'method' | 'crc32' | 'uncompressedSize', value: number) {
  const out = Buffer.from(zip);
  const at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  if (field === 'flags') out.writeUInt16LE(value, at + 8);
  else if (field === 'method') out.writeUInt16LE(value, at + 10);
  else out.writeUInt32LE(value, at + (field === 'crc32' ? 16 : 24));
  return out;
}

const options = { maxExtractBytes: 10240 * 1024 };
const MiB = 1024 * 1024;

async function refusal(zip: Buffer, unpack: UnpackOptions = options): Promise<string> {
  const error = await unpackArchive(zip, unpack).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdditionalFilesError);
  return (error as Error).message;
}

describe('unpacking additional_files', () => {
  it('gives every file with its path in the box, directories made by their files', async () => {
    const zip = await makeZip([
      { name: 'src/', directory: true },
      { name: 'src/lib/helper.py', content: 'X = 1\n' },
      { name: 'data/in.txt', content: 'stored', compress: false },
      { name: 'run', content: 'python3 src/main.py\n', mode: 0o100755 },
      { name: 'docs/ünïcode.md', content: 'é' },
      { name: 'empty', content: '' },
    ]);
    const files = await unpackArchive(zip, options);
    expect(files.map((f) => [f.name, f.content.toString('utf8')])).toEqual([
      ['src/lib/helper.py', 'X = 1\n'],
      ['data/in.txt', 'stored'],
      ['run', 'python3 src/main.py\n'],
      ['docs/ünïcode.md', 'é'],
      ['empty', ''],
    ]);
    // Base64 with line breaks, as Ruby's encode64 and Python's encodebytes write it.
    const wrapped = zip.toString('base64').replace(/.{60}/g, '$&\n');
    expect((await unpackAdditionalFiles(wrapped, options)).map((f) => f.name)).toContain('run');
  });

  it('refuses what is not base64, or not a zip, saying what is expected', async () => {
    expect(() => decodeArchive('UEsDB*AA')).toThrow(/is not valid base64: expected the bytes of a zip archive/);
    expect(() => decodeArchive('a')).toThrow(AdditionalFilesError);
    expect(decodeArchive('aGk').toString()).toBe('hi');
    await expect(unpackAdditionalFiles(Buffer.from('hello').toString('base64'), options)).rejects.toThrow(
      /is not a zip archive that can be read \(.+\): expected a \.zip file, base64-encoded/,
    );
    const truncated = (await makeZip([{ name: 'a', content: 'x'.repeat(100) }])).subarray(0, 60);
    expect(await refusal(truncated)).toMatch(/is not a zip archive/);
  });

  it('refuses names that leave the box or are not plain relative paths', async () => {
    const hostile: [placeholder: string, name: string, why: RegExp][] = [
      ['XX/evil', '../evil', /"\.\.\/evil" that climbs out of the box with "\.\."/],
      ['a/XX/XX/x', 'a/../../x', /climbs out of the box/],
      ['Xetc/passwd', '/etc/passwd', /"\/etc\/passwd" that is an absolute path/],
      ['CX/x', 'C:/x', /starts with a drive letter/],
      ['XXYx', '..\\x', /contains a backslash: zip entries separate directories with "\/" only/],
      ['aXb', 'a\u0000b', /"a\\u0000b" that contains NUL/],
      ['aXXb', 'a//b', /must not contain empty or "\." path segments/],
      ['aXXXb', 'a/./b', /must not contain empty or "\." path segments/],
    ];
    for (const [placeholder, name, why] of hostile) {
      const zip = rename(await makeZip([{ name: placeholder, content: 'x' }]), placeholder, name);
      expect(await refusal(zip), name).toMatch(why);
    }
    // A hostile directory entry is refused too, although directories make nothing themselves.
    const dir = rename(await makeZip([{ name: 'XX/', directory: true }]), 'XX/', '../');
    expect(await refusal(dir)).toMatch(/climbs out of the box/);
    const long = await makeZip([{ name: `${'a'.repeat(256)}`, content: '' }]);
    expect(await refusal(long)).toMatch(/must be at most 255 characters/);
  });

  it('refuses links and other special files', async () => {
    const link = await makeZip([{ name: 'passwd', content: '/etc/passwd', mode: 0o120777 }]);
    expect(await refusal(link)).toBe(
      'has an entry "passwd" that is a symbolic link: only regular files and directories are extracted',
    );
    const fifo = await makeZip([{ name: 'pipe', content: '', mode: 0o010644 }]);
    expect(await refusal(fifo)).toMatch(/"pipe" that is a FIFO/);
  });

  it('refuses duplicate names and a name that is both a file and a directory', async () => {
    expect(
      await refusal(
        await makeZip([
          { name: 'a.txt', content: '1' },
          { name: 'a.txt', content: '2' },
        ]),
      ),
    ).toBe('holds "a.txt" twice: names must be unique');
    expect(
      await refusal(
        await makeZip([
          { name: 'lib', content: '1' },
          { name: 'lib/x.py', content: '2' },
        ]),
      ),
    ).toBe('holds "lib" both as a file and as the directory of "lib/x.py"');
    expect(
      await refusal(
        await makeZip([
          { name: 'lib/x.py', content: '2' },
          { name: 'lib', content: '1' },
        ]),
      ),
    ).toBe('holds "lib" both as a file and as a directory');
    expect(
      await refusal(
        await makeZip([
          { name: 'lib', content: '1' },
          { name: 'lib/', directory: true },
        ]),
      ),
    ).toBe('holds "lib" both as a file and as a directory');
  });

  it('refuses more files and directories than the box takes', async () => {
    const four = await makeZip(['a', 'b', 'c', 'd'].map((name) => ({ name, content: name })));
    expect(await refusal(four, { ...options, maxEntries: 3 })).toBe(
      'holds 4 files and directories: at most 3 can be extracted into the box',
    );
    // The directories a name makes count as well.
    const deep = await makeZip([{ name: 'a/b/c', content: '' }]);
    expect(await refusal(deep, { ...options, maxEntries: 2 })).toMatch(/more than 2 files and directories/);
    expect(await unpackArchive(deep, { ...options, maxEntries: 3 })).toHaveLength(1);
  });

  it('refuses an archive that inflates beyond max_extract_size: a bomb, or many files together', async () => {
    const bomb = await makeZip([{ name: 'zeros', content: Buffer.alloc(20 * MiB) }]);
    expect(bomb.length).toBeLessThan(100_000);
    expect(await refusal(bomb)).toBe(
      `inflates to more than ${10 * MiB} bytes: at most max_extract_size (10240 KB) can be extracted`,
    );
    const many = await makeZip(['a', 'b', 'c'].map((name) => ({ name, content: Buffer.alloc(4 * MiB) })));
    expect(await refusal(many)).toMatch(/inflates to more than/);
    expect(await unpackArchive(many, { maxExtractBytes: 12 * MiB })).toHaveLength(3);
  });

  it('does not trust a header that understates the size, nor a damaged entry', async () => {
    const zip = await makeZip([{ name: 'zeros', content: Buffer.alloc(4 * MiB) }]);
    expect(await refusal(patchCentral(zip, 'uncompressedSize', 10))).toMatch(
      /has a damaged entry "zeros" \(too many bytes in the stream/,
    );
    // Within the cap by its header, beyond it by its content: refused at the cap, whichever check sees it first.
    expect(await refusal(patchCentral(zip, 'uncompressedSize', 1000), { maxExtractBytes: 2 * MiB })).toMatch(
      /damaged entry|inflates to more than/,
    );
    expect(await refusal(patchCentral(zip, 'crc32', 1234))).toBe(
      'has a damaged entry "zeros" (its CRC-32 does not match its content)',
    );
  });

  it('refuses encrypted entries and compression it cannot inflate', async () => {
    const zip = await makeZip([{ name: 'secret', content: 'x' }]);
    expect(await refusal(patchCentral(zip, 'flags', 0x0801))).toBe(
      'has an encrypted entry "secret": expected an archive without a password',
    );
    expect(await refusal(patchCentral(zip, 'method', 14))).toBe(
      'has an entry "secret" compressed with method 14: expected stored (0) or deflate (8)',
    );
  });
});

const maxima = maximaFromConfig(readConfig({ WORK_DIR: os.tmpdir(), LOG_LEVEL: 'silent' }));
const settings = judge0Settings(maxima, { maxQueueSize: 10, allowEnableNetwork: false });
const languages = new Map(judge0Languages(fakeRuntimes).map((language) => [language.id, language]));
const context = { base64: false, settings, languages };
const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64');

describe('Judge0 submissions with additional_files', () => {
  it('offers 89 "Multi-file program" where bash is offered, and says so in config_info', () => {
    expect(languages.get(89)?.name).toBe('Multi-file program');
    const withoutBash = judge0Languages(fakeRuntimes.filter((r) => r.spec.name !== 'bash'));
    expect(withoutBash.map((l) => l.id)).not.toContain(89);
    expect(configInfo(settings, { resultTtlSeconds: 1 })).toMatchObject({
      enable_additional_files: true,
      max_extract_size: 10240,
    });
    const small = judge0Settings({ ...maxima, disk: 4 * MiB }, { maxQueueSize: 1, allowEnableNetwork: false });
    expect(configInfo(small, { resultTtlSeconds: 1 }).max_extract_size).toBe(4096);
  });

  it('keeps the archive as base64 whatever base64_encoded says, and refuses one that does not unpack', async () => {
    const zip = await makeZip([{ name: 'helper.py', content: 'X = 1' }]);
    for (const base64 of [false, true]) {
      const parsed = (await acceptSubmission(
        { source_code: base64 ? b64('import helper') : 'import helper', language_id: 71, additional_files: b64(zip) },
        { ...context, base64 },
      )) as NewSubmission;
      expect(parsed.record.additional_files).toBe(b64(zip));
    }
    const evil = rename(await makeZip([{ name: 'XX/x', content: '' }]), 'XX/x', '../x');
    expect(await acceptSubmission({ language_id: 71, additional_files: b64(evil) }, context)).toEqual({
      errors: {
        source_code: ["can't be blank"],
        additional_files: ['has an entry "../x" that climbs out of the box with "..": names must stay inside it'],
      },
    });
    expect(parseSubmission({ source_code: 'x', language_id: 71, additional_files: 'not base64!' }, context)).toEqual({
      errors: { additional_files: [expect.stringMatching(/^is not valid base64/)] },
    });
    const big = await makeZip([{ name: 'zeros', content: Buffer.alloc(11 * MiB) }]);
    expect(await acceptSubmission({ source_code: 'x', language_id: 71, additional_files: b64(big) }, context)).toEqual({
      errors: { additional_files: [expect.stringMatching(/^inflates to more than/)] },
    });
  });

  it('takes a multi-file program as Judge0 does: files required, source code and compiler options refused', async () => {
    const zip = b64(await makeZip([{ name: 'run', content: 'echo hi' }]));
    const ok = (await acceptSubmission({ language_id: 89, additional_files: zip }, context)) as NewSubmission;
    expect(ok.record).toMatchObject({ language_id: 89, source_code: '', additional_files: zip });
    expect(parseSubmission({ language_id: 89 }, context)).toEqual({
      errors: { additional_files: ["can't be blank"] },
    });
    expect(
      parseSubmission(
        { language_id: 89, source_code: 'echo', additional_files: zip, compiler_options: '-O2' },
        context,
      ),
    ).toEqual({
      errors: {
        source_code: ['must be blank'],
        compiler_options: ['setting compiler options is only allowed for compiled languages'],
      },
    });
  });

  it('fills the box as unzip -n around the source file, which is compiled alone', async () => {
    const record = (parseSubmission({ source_code: 'int main(){}', language_id: 50 }, context) as NewSubmission).record;
    const c = languages.get(50);
    if (!c) throw new Error('no C');
    const additional = [
      { name: 'main.c', content: Buffer.from('not me') },
      { name: 'main.c/x', content: Buffer.from('nor me') },
      { name: 'helper.c', content: Buffer.from('int helper;') },
      { name: 'include/helper.h', content: Buffer.from('') },
    ];
    const box = submissionBox({ ...record, command_line_arguments: 'a b' }, c, additional);
    expect(box.files.map((f) => [f.name, f.content.toString()])).toEqual([
      ['main.c', 'int main(){}'],
      ['helper.c', 'int helper;'],
      ['include/helper.h', ''],
    ]);
    expect(box.runtime.spec.sourceExtensions).toEqual([]);
    expect(box.args).toEqual(['a', 'b']);
    expect(submissionBox(record, c, []).runtime).toEqual(c.runtime);
  });

  it('runs a multi-file program with bash: `bash compile` only when there is a compile file, then `bash run`', async () => {
    const multi = languages.get(89);
    if (!multi) throw new Error('no 89');
    const record = {
      ...(parseSubmission({ source_code: 'x', language_id: 71 }, context) as NewSubmission).record,
      language_id: 89,
      command_line_arguments: 'ignored',
    };
    const run = { name: 'run', content: Buffer.from('./main') };
    const scripted = submissionBox(record, multi, [run, { name: 'compile', content: Buffer.from('gcc *.c') }]);
    expect(scripted.runtime.spec.compile).toEqual(['bash', 'compile']);
    expect(scripted.runtime.spec.run).toEqual(['bash', 'run']);
    expect(scripted.files.map((f) => f.name)).toEqual(['run', 'compile']);
    expect(scripted.args).toEqual([]);
    const plain = submissionBox(record, multi, [run, { name: 'compile/notes', content: Buffer.from('') }]);
    expect(plain.runtime.spec.compile).toBeUndefined();
  });

  it("gives a multi-file program's box every toolchain: their directories bound, those outside the system's on PATH", () => {
    const bash = fakeRuntimes.find((r) => r.spec.name === 'bash');
    if (!bash) throw new Error('no bash');
    const node = { ...bash, tools: { node: '/opt/node/bin/node' }, readOnlyPaths: ['/opt/node/bin'] };
    const ghc = { ...bash, tools: { ghc: '/usr/bin/ghc' }, readOnlyPaths: ['/var/lib/ghc'] };
    const runtime = multiFileRuntime(bash, [bash, node, ghc, node]);
    expect(runtime.readOnlyPaths).toEqual(['/opt/node/bin', '/var/lib/ghc']);
    expect(runtime.spec.env).toEqual({ PATH: '/opt/node/bin:/usr/local/bin:/usr/bin:/bin' });
    expect(runtime.tools).toBe(bash.tools);
  });
});
