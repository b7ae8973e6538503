import { describe, expect, it } from 'vitest';
import { debianPackages, findLanguage, type Language, languageByExtension, languages, type Runtime } from './index.ts';

const placeholders = new Set(['main', 'stem', 'sources', 'heapMiB', 'args']);

/** What each toolchain prints for its version command (bookworm's, and a newer Node): the version the probe must read. */
const versionOutputs: Record<string, [output: string, version: string]> = {
  'python/cpython': ['Python 3.11.2', '3.11.2'],
  'python/pypy': [
    'Python 3.9.16 (7.3.11+dfsg-2+deb12u3, Dec 30 2024, 22:36:23)\n[PyPy 7.3.11 with GCC 12.2.0]',
    '7.3.11',
  ],
  javascript: ['v24.11.1', '24.11.1'],
  typescript: ['v24.11.1', '24.11.1'],
  bash: ['GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)', '5.2.15'],
  'c/gcc': ['12.2.0', '12.2.0'],
  'c/clang': ['14.0.6', '14.0.6'],
  'c/tcc': ['tcc version 0.9.27 (x86_64 Linux)', '0.9.27'],
  'c++/gcc': ['12.2.0', '12.2.0'],
  'c++/clang': ['14.0.6', '14.0.6'],
  go: ['go version go1.19.8 linux/amd64', '1.19.8'],
  rust: ['rustc 1.63.0', '1.63.0'],
  java: ['javac 17.0.17', '17.0.17'],
  ruby: ['ruby 3.1.2p20 (2022-04-12 revision 4491bb740a) [x86_64-linux-gnu]', '3.1.2'],
  php: ['PHP 8.2.36 (cli) (built: Nov 18 2026 20:02:04) (NTS)', '8.2.36'],
  perl: ['This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi', '5.36.0'],
  'lua/lua': ['Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio', '5.4.4'],
  'lua/luajit': ['LuaJIT 2.1.0-beta3 -- Copyright (C) 2005-2022 Mike Pall. https://luajit.org/', '2.1.0-beta3'],
  tcl: ['8.6.13', '8.6.13'],
  awk: ['GNU Awk 5.2.1, API 3.2, PMA Avon 8-g1, (GNU MPFR 4.2.0, GNU MP 6.2.1)', '5.2.1'],
  jq: ['jq-1.6', '1.6'],
};

/** Languages Judge0 CE 1.13.1 does not have: no id to give them. */
const notInJudge0 = new Set(['tcl', 'awk', 'jq']);

/** The key of a runtime in versionOutputs: the language, and the runtime where it has several. */
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
    expect(Object.keys(versionOutputs).toSorted()).toEqual(
      languages.flatMap((l) => l.runtimes.map((r) => runtimeKey(l, r))).toSorted(),
    );
    eachRuntime((language, runtime) => {
      const [output, version] = versionOutputs[runtimeKey(language, runtime)] ?? ['', ''];
      expect(runtime.version.pattern.exec(output)?.[1], language.name).toBe(version);
      if (runtime.minVersion) expect(runtime.minVersion).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  it('has Judge0 ids that are unique, and Debian package names that are valid', () => {
    const ids = languages.flatMap((l) => l.runtimes.flatMap((r) => r.judge0Ids));
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const language of languages) {
      const has = language.runtimes.some((r) => r.judge0Ids.length > 0);
      expect(has, `${language.name}: a Judge0 id (or listed in notInJudge0)`).toBe(!notInJudge0.has(language.name));
      // The default runtime answers for the language's ids (Judge0 has one toolchain per id).
      if (has) expect(language.runtimes[0].judge0Ids.length, language.name).toBeGreaterThan(0);
    }
    eachRuntime((language, runtime) => {
      for (const pkg of runtime.debianPackages) expect(pkg, language.name).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
    });
  });

  it('has a sample program for the web page in every language', () => {
    for (const language of languages) {
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
    expect(findLanguage('cobol')).toBeUndefined();
  });

  it('maps every extension to its language', () => {
    expect(languageByExtension.get('.py')?.name).toBe('python');
    expect(languageByExtension.get('.cc')?.name).toBe('c++');
    expect(languageByExtension.get('.txt')).toBeUndefined();
    expect(languageByExtension.size).toBe(languages.reduce((n, l) => n + l.extensions.length, 0));
  });

  it('lists the Debian packages of every runtime once', () => {
    expect(debianPackages).toEqual([
      'python3',
      'pypy3',
      'gcc',
      'libc6-dev',
      'clang',
      'tcc',
      'g++',
      'golang-go',
      'rustc',
      'default-jdk-headless',
      'ruby',
      'php-cli',
      'perl',
      'lua5.4',
      'luajit',
      'tcl',
      'gawk',
      'jq',
    ]);
  });
});
