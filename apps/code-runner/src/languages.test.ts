import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Language, languages, type Runtime } from '@repo/languages';
import { describe, expect, it } from 'vitest';
import {
  detectLanguages,
  expandArgv,
  expandEnv,
  findRuntime,
  findRuntimeV1,
  heapMiB,
  type LanguageRuntime,
  languageTable,
  reachableByOthers,
  specOf,
  UnknownRuntimeError,
} from './languages.ts';
import { OutOfBoundsError, resolveLimits } from './limits.ts';

const spec = (name: string) => {
  const found = languageTable.find((s) => s.name === name);
  if (!found) throw new Error(name);
  return found;
};
const runtime = (name: string, version: string, tools: Record<string, string> = {}): LanguageRuntime => ({
  spec: spec(name),
  version,
  tools,
  readOnlyPaths: [],
});

describe('detectLanguages', () => {
  it('finds the toolchains of this host by absolute path with their real versions, and says why others are missing', async () => {
    const { available, missing } = await detectLanguages();
    expect(available.length + missing.length).toBe(languageTable.length);
    for (const r of available) {
      for (const tool of Object.values(r.tools)) expect(tool).toMatch(/^\//);
      expect(r.version).toMatch(/^\d+(\.\d+)*/);
    }
    for (const m of missing) expect(m.reason.length).toBeGreaterThan(0);
  });

  it('reports a tool that is not in the search path', async () => {
    const { available, missing } = await detectLanguages({ searchPath: () => ['/nonexistent'] });
    expect(available).toEqual([]);
    expect(missing).toContainEqual({ name: 'python', reason: 'python3 not found in /nonexistent' });
  });

  it("mounts a runtime's host paths read-only, and does not offer it where one is missing", async () => {
    const bash = languageTable.find((s) => s.name === 'bash');
    if (!bash) throw new Error('bash is in the manifest');
    const found = await detectLanguages({ table: [{ ...bash, hostPaths: ['/var/lib'] }] });
    expect(found.available[0]?.readOnlyPaths).toContain('/var/lib');
    const missing = await detectLanguages({ table: [{ ...bash, hostPaths: ['/var/lib/no-such-toolchain'] }] });
    expect(missing.available).toEqual([]);
    expect(missing.missing).toEqual([
      { name: 'bash', reason: '/var/lib/no-such-toolchain is missing (the toolchain reads it)' },
    ]);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'copies a tool the box users cannot reach (a Node in a private checkout) to the share dir, once',
    async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'languages-share-'));
      // Like WORK_DIR, the share dir's parents must let the box users through; the checkout must not.
      await chmod(root, 0o755);
      try {
        const privateBin = path.join(root, 'private', 'bin');
        await mkdir(privateBin, { recursive: true, mode: 0o700 });
        await chmod(path.join(root, 'private'), 0o700);
        await copyFile(process.execPath, path.join(privateBin, 'node'));
        await chmod(path.join(privateBin, 'node'), 0o755);
        expect(reachableByOthers(path.join(privateBin, 'node'))).toBe(false);
        expect(reachableByOthers('/bin/sh')).toBe(true);

        const shareDir = path.join(root, 'share');
        const table = languageTable.filter((s) => s.name === 'javascript' || s.name === 'typescript');
        const { available } = await detectLanguages({ table, searchPath: () => [privateBin], shareDir });
        expect(available.map((r) => r.spec.name).sort()).toEqual(['javascript', 'typescript']);
        const [first, second] = available.map((r) => r.tools.node as string);
        expect(first).toBe(second);
        expect(first?.startsWith(`${shareDir}/`)).toBe(true);
        expect(reachableByOthers(first as string)).toBe(true);
        expect(available[0]?.readOnlyPaths).toEqual([path.dirname(first as string)]);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});

describe('findRuntime', () => {
  const runtimes = [runtime('python', '3.11.2'), runtime('c++', '12.2.0')];

  it('matches a name or an alias with *, an exact version or a semver range', () => {
    expect(findRuntime(runtimes, 'py').spec.name).toBe('python');
    expect(findRuntime(runtimes, 'python', '3.11.2').version).toBe('3.11.2');
    expect(findRuntime(runtimes, 'cpp', '>=12').spec.name).toBe('c++');
    expect(findRuntime(runtimes, 'Python3', '3.x').spec.name).toBe('python');
  });

  it('names an unknown language or version as Piston does', () => {
    expect(() => findRuntime(runtimes, 'python', '9.9.9')).toThrow(
      new UnknownRuntimeError('python-9.9.9 runtime is unknown'),
    );
    expect(() => findRuntime(runtimes, 'cobol')).toThrow('cobol-* runtime is unknown');
    expect(() => findRuntime(runtimes, 'python', 'not a range')).toThrow('python-not a range runtime is unknown');
  });

  it('finds v1 names, and refuses others with the original message', () => {
    expect(findRuntimeV1(runtimes, 'python3').spec.name).toBe('python');
    expect(findRuntimeV1(runtimes, 'c++').spec.name).toBe('c++');
    expect(() => findRuntimeV1(runtimes, 'random-lang')).toThrow(
      'invalid language: [random-lang] not currently supported',
    );
  });
});

describe("a language with several runtimes (Piston's `runtime`)", () => {
  const c = languages.find((l) => l.name === 'c') as Language;
  const gcc = c.runtimes[0];
  const clang: Runtime = { ...gcc, name: 'clang', aliases: ['clang'], judge0Ids: [75], tools: { gcc: 'clang' } };
  const table = [specOf(c, gcc), specOf(c, clang)];
  const runtimes = table.map(
    (s, i): LanguageRuntime => ({
      spec: s,
      version: i === 0 ? '12.2.0' : '14.0.6',
      tools: {},
      readOnlyPaths: [],
    }),
  );

  it("gives one entry per runtime, each with its runtime name and its own aliases after the language's", () => {
    expect(table.map((s) => [s.name, s.runtime, s.aliases])).toEqual([
      ['c', 'gcc', ['gcc']],
      ['c', 'clang', ['clang']],
    ]);
  });

  it('picks the first runtime by the language name, another by its alias or its version', () => {
    expect(findRuntime(runtimes, 'c').spec.runtime).toBe('gcc');
    expect(findRuntime(runtimes, 'clang').spec.runtime).toBe('clang');
    expect(findRuntime(runtimes, 'c', '14.x').spec.runtime).toBe('clang');
    expect(findRuntimeV1(runtimes, 'c').spec.runtime).toBe('gcc');
  });

  it('is offered where its toolchain is found, each runtime apart', async () => {
    const { available, missing } = await detectLanguages({ table, searchPath: () => ['/nonexistent'] });
    expect(available).toEqual([]);
    expect(missing).toEqual([
      { name: 'c', reason: 'gcc not found in /nonexistent' },
      { name: 'c', reason: 'clang not found in /nonexistent' },
    ]);
  });
});

describe('expandArgv', () => {
  it('puts the absolute tool first, expands sources, args, the class name and a heap below the memory limit', () => {
    const java = runtime('java', '17', { javac: '/usr/bin/javac', java: '/usr/bin/java' });
    const context = {
      main: 'Hello.java',
      sources: ['Hello.java', 'Util.java'],
      args: ['a b'],
      memoryBytes: 256 * 2 ** 20,
    };
    const compile = expandArgv(java, spec('java').compile ?? [], context);
    expect(compile[0]).toBe('/usr/bin/javac');
    expect(compile).toContain('-J-Xmx192m');
    expect(compile.slice(-2)).toEqual(['Hello.java', 'Util.java']);
    const run = expandArgv(java, spec('java').run, context);
    expect(run[0]).toBe('/usr/bin/java');
    expect(run.slice(-2)).toEqual(['Hello', 'a b']);
  });
});

describe('heapMiB and expandEnv', () => {
  it('leaves a quarter of the limit, at least 32 MiB, beside the heap, and never less than 16 MiB of heap', () => {
    expect(heapMiB(256 * 2 ** 20)).toBe(192);
    expect(heapMiB(64 * 2 ** 20)).toBe(32);
    expect(heapMiB(40 * 2 ** 20)).toBe(16);
  });

  it("expands {heapMiB} in the runtime's environment from the stage's memory limit, and gives none where it has none", () => {
    const withEnv: LanguageRuntime = {
      ...runtime('java', '17'),
      spec: { ...spec('java'), env: { JAVA_OPTS: '-Xmx{heapMiB}m -Xss8m', OTHER: 'as is' } },
    };
    expect(expandEnv(withEnv, 512 * 2 ** 20)).toEqual({ JAVA_OPTS: '-Xmx384m -Xss8m', OTHER: 'as is' });
    expect(expandEnv(runtime('java', '17'), 512 * 2 ** 20)).toBeUndefined();
  });
});

describe('resolveLimits', () => {
  const maxima = {
    compile_timeout: 10_000,
    run_timeout: 3000,
    compile_cpu_time: 10_000,
    run_cpu_time: 3000,
    compile_memory_limit: 512,
    run_memory_limit: 256,
    processes: 64,
    file_size: 16,
    disk: 64,
    open_files: 256,
    stdout: 100,
    stderr: 100,
  };

  it('uses the maxima for absent values and -1, and the asked values below them', () => {
    const limits = resolveLimits({ run_timeout: 500, run_memory_limit: -1 }, maxima);
    expect(limits.run).toMatchObject({
      wallTimeMs: 500,
      cpuTimeMs: 3000,
      memoryBytes: 256,
      processes: 64,
      network: false,
    });
    expect(limits.compile).toMatchObject({ wallTimeMs: 10_000, memoryBytes: 512, stdoutBytes: 100 });
  });

  it('refuses a value above its maximum, naming the limit and the values allowed', () => {
    expect(() => resolveLimits({ compile_cpu_time: 20_000 }, maxima)).toThrow(OutOfBoundsError);
    expect(() => resolveLimits({ compile_cpu_time: 20_000 }, maxima)).toThrow(
      'compile_cpu_time must be -1 (the maximum), 0 (the default) or from 1 to 10000 ms, got 20000',
    );
  });
});
