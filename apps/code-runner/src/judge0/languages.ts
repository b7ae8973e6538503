import path from 'node:path';
import { languages } from '@repo/languages';
import { type LanguageRuntime, trustedPath } from '../languages.ts';

/**
 * Judge0 CE 1.13.1's language names (db/languages/active.rb) without their versions: `[name, toolchain]`
 * reads as `name (toolchain <our version>)`, `[name]` as `name (<our version>)`.
 */
const judge0Names: Record<number, readonly [string, string?]> = {
  45: ['Assembly', 'NASM'],
  46: ['Bash'],
  47: ['Basic', 'FBC'],
  48: ['C', 'GCC'],
  49: ['C', 'GCC'],
  50: ['C', 'GCC'],
  51: ['C#', 'Mono'],
  52: ['C++', 'GCC'],
  53: ['C++', 'GCC'],
  54: ['C++', 'GCC'],
  55: ['Common Lisp', 'SBCL'],
  56: ['D', 'GDC'],
  57: ['Elixir'],
  58: ['Erlang', 'OTP'],
  59: ['Fortran', 'GFortran'],
  60: ['Go'],
  61: ['Haskell', 'GHC'],
  62: ['Java', 'OpenJDK'],
  63: ['JavaScript', 'Node.js'],
  64: ['Lua'],
  65: ['OCaml'],
  66: ['Octave'],
  67: ['Pascal', 'FPC'],
  68: ['PHP'],
  69: ['Prolog', 'GNU Prolog'],
  70: ['Python'],
  71: ['Python'],
  72: ['Ruby'],
  73: ['Rust'],
  74: ['TypeScript'],
  75: ['C', 'Clang'],
  76: ['C++', 'Clang'],
  77: ['COBOL', 'GnuCOBOL'],
  78: ['Kotlin'],
  79: ['Objective-C', 'Clang'],
  80: ['R'],
  81: ['Scala'],
  82: ['SQL', 'SQLite'],
  83: ['Swift'],
  84: ['Visual Basic.Net', 'vbnc'],
  85: ['Perl'],
  86: ['Clojure'],
  87: ['F#', '.NET'],
  88: ['Groovy'],
};

/** One Judge0 language id this server answers for, with the runtime that runs it. */
export interface Judge0Language {
  id: number;
  name: string;
  runtime: LanguageRuntime;
}

/** The Judge0 ids of the manifest's runtime behind `runtime` (its `judge0Ids`). */
function judge0IdsOf(runtime: LanguageRuntime): readonly number[] {
  const language = languages.find((l) => l.name === runtime.spec.name);
  const match = language?.runtimes.find((r) => (r.name ?? undefined) === runtime.spec.runtime) ?? language?.runtimes[0];
  return match?.judge0Ids ?? [];
}

/** Judge0 CE's "Multi-file program" (db/languages/active.rb): no source file, the box holds `additional_files`. */
export const multiFileProgramId = 89;

/** Judge0's `is_project`: the language whose box is the archive alone, run by its own `compile` and `run` scripts. */
export function isMultiFileProgram(language: Pick<Judge0Language, 'id'>): boolean {
  return language.id === multiFileProgramId;
}

/**
 * The runtime of Judge0's language 89: bash running the archive's `run` script (`/bin/bash run`, as isolate_job.rb
 * runs it; run.ts adds `bash compile` as a compile stage when the archive has that file). Judge0 has every compiler
 * in one sandbox, so this box binds every offered toolchain's directories and puts those outside the system ones
 * (a Node beside the server, the copies of tools the box users could not reach) on PATH before the system's.
 */
export function multiFileRuntime(bash: LanguageRuntime, runtimes: readonly LanguageRuntime[]): LanguageRuntime {
  const toolDirs = runtimes
    .flatMap((runtime) => Object.values(runtime.tools))
    .map((tool) => path.dirname(tool))
    .filter((dir) => !trustedPath.includes(dir));
  return {
    spec: {
      name: 'multi-file',
      v1Name: 'multi-file',
      aliases: [],
      tools: bash.spec.tools,
      version: bash.spec.version,
      fileName: 'run',
      sourceExtensions: [],
      run: ['bash', 'run'],
      env: { PATH: [...new Set([...toolDirs, ...trustedPath])].join(':') },
    },
    version: bash.version,
    tools: bash.tools,
    readOnlyPaths: [...new Set(runtimes.flatMap((runtime) => runtime.readOnlyPaths))],
  };
}

/**
 * Every Judge0 id the offered runtimes answer for, by id, named as Judge0 names them with our versions; and 89,
 * the multi-file program, wherever bash is offered.
 */
export function judge0Languages(runtimes: readonly LanguageRuntime[]): Judge0Language[] {
  const byId = new Map<number, Judge0Language>();
  for (const runtime of runtimes) {
    for (const id of judge0IdsOf(runtime)) {
      if (byId.has(id)) continue;
      const [name, toolchain] = judge0Names[id] ?? [runtime.spec.name];
      byId.set(id, { id, name: `${name} (${toolchain ? `${toolchain} ` : ''}${runtime.version})`, runtime });
    }
  }
  const bash = runtimes.find((runtime) => runtime.spec.name === 'bash');
  if (bash) {
    const id = multiFileProgramId;
    byId.set(id, { id, name: 'Multi-file program', runtime: multiFileRuntime(bash, runtimes) });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
