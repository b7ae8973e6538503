import { languages } from '@repo/languages';
import type { LanguageRuntime } from '../languages.ts';

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

/** Every Judge0 id the offered runtimes answer for, by id, named as Judge0 names them with our versions. */
export function judge0Languages(runtimes: readonly LanguageRuntime[]): Judge0Language[] {
  const byId = new Map<number, Judge0Language>();
  for (const runtime of runtimes) {
    for (const id of judge0IdsOf(runtime)) {
      if (byId.has(id)) continue;
      const [name, toolchain] = judge0Names[id] ?? [runtime.spec.name];
      byId.set(id, { id, name: `${name} (${toolchain ? `${toolchain} ` : ''}${runtime.version})`, runtime });
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
