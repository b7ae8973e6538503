import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  debianPackages,
  debianPackagesOf,
  findLanguage,
  formatLanguageTable,
  type Language,
  languageByExtension,
  languageRows,
  languages,
  parseLanguageTable,
  type Runtime,
  selectLanguages,
  UnknownLanguageError,
} from './index.ts';

const placeholders = new Set(['main', 'stem', 'sources', 'heapMiB', 'args']);

/**
 * Judge0 CE 1.13.1's languages (its CHANGELOG's v1.5.0 table; 43 Plain Text, 44 Executable and 89 Multi-file
 * program are not toolchains): id -> the manifest language and runtime that answer for it, where we have one.
 * Judge0's Prolog (69) is GNU Prolog, its Common Lisp (55) SBCL, its D (56) DMD (gdc here), its Basic (47) FBC.
 */
const judge0Toolchains: Record<number, string> = {
  45: 'assembly',
  46: 'bash',
  47: 'basic',
  48: 'c/gcc',
  49: 'c/gcc',
  50: 'c/gcc',
  51: 'csharp',
  52: 'c++/gcc',
  53: 'c++/gcc',
  54: 'c++/gcc',
  55: 'commonlisp/sbcl',
  56: 'd',
  57: 'elixir',
  58: 'erlang',
  59: 'fortran',
  60: 'go',
  61: 'haskell',
  62: 'java',
  63: 'javascript',
  64: 'lua/lua',
  65: 'ocaml',
  66: 'octave',
  67: 'pascal',
  68: 'php',
  69: 'prolog/gprolog',
  70: 'python2',
  71: 'python/cpython',
  72: 'ruby',
  73: 'rust',
  74: 'typescript',
  75: 'c/clang',
  76: 'c++/clang',
  77: 'cobol',
  78: 'kotlin',
  79: 'objective-c',
  80: 'r',
  81: 'scala',
  82: 'sqlite3',
  83: 'swift',
  84: 'vb',
  85: 'perl',
  86: 'clojure',
  87: 'fsharp',
  88: 'groovy',
};

/** The key of a runtime: the language, and the runtime where it has several (as in judge0Toolchains). */
function runtimeKey(language: Language, runtime: Runtime): string {
  return language.runtimes.length > 1 ? `${language.name}/${runtime.name}` : language.name;
}

function eachRuntime(each: (language: Language, runtime: Runtime) => void): void {
  for (const language of languages) for (const runtime of language.runtimes) each(language, runtime);
}

/** Every name a request may use for a language, with the language it names. */
function namesOf(language: Language): string[] {
  return [
    language.name,
    ...language.aliases,
    ...(language.v1Name ? [language.v1Name] : []),
    ...language.runtimes.flatMap((r) => r.aliases),
  ];
}

describe('the language manifest', () => {
  it('names each language once: no name, alias or v1 name is shared by two languages', () => {
    const owner = new Map<string, string>();
    for (const language of languages) {
      for (const name of new Set(namesOf(language))) {
        expect(name, `${language.name}: names are lower case`).toBe(name.toLowerCase());
        const other = owner.get(name);
        if (other) expect.fail(`"${name}" names both ${other} and ${language.name}`);
        owner.set(name, language.name);
      }
    }
  });

  it('gives each runtime of a language with several its own name', () => {
    for (const language of languages) {
      if (language.runtimes.length === 1) continue;
      const names = language.runtimes.map((r) => r.name);
      expect(names.every(Boolean), `${language.name}: every runtime has a name`).toBe(true);
      expect(new Set(names).size, `${language.name}: runtime names`).toBe(names.length);
    }
  });

  it('knows each file extension for one language, and the main file has one of them', () => {
    const seen = new Map<string, string>();
    for (const language of languages) {
      for (const extension of language.extensions) {
        expect(extension, language.name).toMatch(/^\.[a-z0-9+]+$/);
        expect(seen.get(extension), `${extension} belongs to two languages`).toBeUndefined();
        seen.set(extension, language.name);
      }
      expect(
        language.extensions.some((e) => language.fileName.endsWith(e)),
        language.fileName,
      ).toBe(true);
    }
  });

  it('starts every command with one of its tools or the built program, and uses only known placeholders', () => {
    eachRuntime((language, runtime) => {
      const commands = { version: runtime.version.argv, compile: runtime.compile, run: runtime.run };
      const used = new Set<string>();
      for (const [stage, argv] of Object.entries(commands)) {
        if (!argv) continue;
        const where = `${language.name} ${runtime.name ?? ''} ${stage}: ${argv.join(' ')}`;
        const first = argv[0] ?? '';
        if (!first.startsWith('./')) expect(Object.keys(runtime.tools), where).toContain(first);
        used.add(first);
        for (const arg of argv) {
          for (const [, name] of arg.matchAll(/\{(\w+)\}/g)) expect(placeholders, where).toContain(name);
        }
        if (stage !== 'run') expect(argv, `${where}: {args} is for the run stage only`).not.toContain('{args}');
      }
      // A tool nothing runs would still have to be found for the language to be offered.
      for (const tool of Object.keys(runtime.tools))
        expect(used, `${language.name}: tool ${tool} unused`).toContain(tool);
      // A compiled program is what the run stage starts; an interpreter is never given ./main.
      if (runtime.run[0]?.startsWith('./')) expect(runtime.compile, `${language.name} runs a build`).toBeDefined();
    });
  });

  it("reads each toolchain's version from what it prints", () => {
    eachRuntime((language, runtime) => {
      const [output, version] = runtime.version.example;
      expect(runtime.version.pattern.exec(output)?.[1], runtimeKey(language, runtime)).toBe(version);
      if (runtime.minVersion) expect(runtime.minVersion).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  it('gives each runtime the Judge0 CE ids of its toolchain, and every Judge0 toolchain we have its id', () => {
    const given = new Map<number, string>();
    eachRuntime((language, runtime) => {
      for (const id of runtime.judge0Ids) {
        const key = runtimeKey(language, runtime);
        expect(judge0Toolchains[id], `${key}: Judge0 id ${id}`).toBe(key);
        expect(given.get(id), `Judge0 id ${id} given twice`).toBeUndefined();
        given.set(id, key);
      }
    });
    const ours = new Set(languages.flatMap((l) => l.runtimes.map((r) => runtimeKey(l, r))));
    for (const [id, key] of Object.entries(judge0Toolchains)) {
      if (ours.has(key)) expect(given.get(Number(id)), `${key} answers for Judge0 id ${id}`).toBe(key);
    }
  });

  it('names valid Debian packages, plain /etc entries and absolute host paths outside the system directories', () => {
    eachRuntime((language, runtime) => {
      for (const pkg of runtime.debianPackages) expect(pkg, language.name).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
      for (const entry of runtime.etc ?? []) expect(entry, language.name).toMatch(/^[A-Za-z0-9][\w.+-]*$/);
      for (const dir of runtime.hostPaths ?? []) expect(dir, language.name).toMatch(/^\/(var|opt|srv)\/[\w./+-]+$/);
    });
  });

  it('has a sample program for the web page and test programs in every language', () => {
    for (const language of languages) {
      const compiled = language.runtimes.some((r) => r.compile);
      expect(Boolean(language.tests.compileError), `${language.name}: a compile error iff compiled`).toBe(compiled);
      for (const [which, source] of Object.entries(language.tests)) {
        if (typeof source === 'string') expect(source.trim().length, `${language.name} ${which}`).toBeGreaterThan(0);
      }
      expect(language.sample.trim().length, language.name).toBeGreaterThan(0);
      expect(language.sample.endsWith('\n'), `${language.name}: the sample ends with a newline`).toBe(true);
    }
  });
});

describe('lookups', () => {
  it('finds a language by name, alias, v1 name or runtime alias, in any case', () => {
    expect(findLanguage('python')?.name).toBe('python');
    expect(findLanguage('Python3')?.name).toBe('python');
    expect(findLanguage('nodejs')?.name).toBe('javascript');
    expect(findLanguage('g++')?.name).toBe('c++');
    expect(findLanguage('gcc')?.name).toBe('c');
    expect(findLanguage('luajit')?.name).toBe('lua');
    expect(findLanguage('pypy')?.name).toBe('python');
    expect(findLanguage('clang')?.name).toBe('c');
    expect(findLanguage('clang++')?.name).toBe('c++');
    expect(findLanguage('tcc')?.name).toBe('c');
    expect(findLanguage('rb')?.name).toBe('ruby');
    expect(findLanguage('no-such-language')).toBeUndefined();
  });

  it('maps every extension to its language', () => {
    expect(languageByExtension.get('.py')?.name).toBe('python');
    expect(languageByExtension.get('.cc')?.name).toBe('c++');
    expect(languageByExtension.get('.txt')).toBeUndefined();
    expect(languageByExtension.size).toBe(languages.reduce((n, l) => n + l.extensions.length, 0));
  });

  it('lists the Debian packages of every runtime once, in the order of the manifest', () => {
    expect(new Set(debianPackages).size).toBe(debianPackages.length);
    const inOrder = languages.flatMap((l) => l.runtimes.flatMap((r) => r.debianPackages));
    expect(debianPackages).toEqual(inOrder.filter((pkg, i) => inOrder.indexOf(pkg) === i));
    expect(debianPackages.slice(0, 3)).toEqual(['python3', 'pypy3', 'gcc']);
  });
});

describe('selectLanguages', () => {
  it('selects every language for `all` or nothing', () => {
    expect(selectLanguages('all')).toEqual(languages);
    expect(selectLanguages('ALL')).toEqual(languages);
    expect(selectLanguages(' ')).toEqual(languages);
  });

  it("selects by name or alias, in the manifest's order, each once", () => {
    expect(selectLanguages('rust, Python3,go,c++,python').map((l) => l.name)).toEqual(['python', 'c++', 'go', 'rust']);
    expect(selectLanguages('gcc clang++').map((l) => l.name)).toEqual(['c', 'c++']);
    expect(debianPackagesOf(selectLanguages('python'))).toEqual(['python3', 'pypy3']);
  });

  it('refuses an unknown name, saying which and what is known', () => {
    expect(() => selectLanguages('python,cobbol,klingon')).toThrow(UnknownLanguageError);
    expect(() => selectLanguages('python,cobbol,klingon')).toThrow(
      /^Expected `all` or language names separated by commas, got unknown `cobbol`, `klingon`; the languages are python, javascript, /,
    );
  });
});

describe('the command line (for Dockerfiles and the bootstrap)', () => {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('prints the Debian packages of all languages, or of a subset, one per line', () => {
    expect(run('packages').stdout).toBe(`${debianPackages.join('\n')}\n`);
    expect(run('packages', 'all').stdout).toBe(`${debianPackages.join('\n')}\n`);
    expect(run('packages', 'python,go').stdout).toBe('python3\npypy3\ngolang-go\n');
  });

  it('prints the names, and exits 2 with the reason on an unknown language or command', () => {
    expect(run('names', 'go,bash')).toMatchObject({ status: 0, stdout: 'bash,go\n' });
    const unknown = run('packages', 'klingon');
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('got unknown `klingon`');
    expect(run('frobnicate')).toMatchObject({ status: 2, stderr: expect.stringContaining('usage:') });
  });
});

describe("the README's language table", () => {
  it('has a row per runtime with the names that pick it, and reads back what it wrote', () => {
    const rows = languageRows(selectLanguages('python,c,bash,php'));
    expect(rows.slice(0, 2)).toEqual([
      { language: 'python', runtime: 'cpython', aliases: ['py', 'py3', 'python3', 'cpython'] },
      { language: 'python', runtime: 'pypy', aliases: ['pypy', 'pypy3'] },
    ]);
    const table = formatLanguageTable(rows, (row) =>
      row.runtime === 'gcc' ? { version: '12.2.0', firstMs: 395.4, cachedMs: 61.6 } : undefined,
    );
    expect(table.split('\n').slice(0, 2)).toEqual([
      '| language | runtime | aliases                        | version | first request | cached |',
      '| -------- | ------- | ------------------------------ | ------- | ------------: | -----: |',
    ]);
    expect(table.split('\n')).toContain(
      '| c        | gcc     | `gcc`                          | 12.2.0  |        395 ms |  62 ms |',
    );
    expect(table.split('\n')).toContain(
      '| bash     | —       | `sh`                           | —       |             — |      — |',
    );
    expect(table.split('\n').at(-1)).toBe(
      '| php      | —       | —                              | —       |             — |      — |',
    );
    expect(parseLanguageTable(table)).toEqual(rows);
  });
});
