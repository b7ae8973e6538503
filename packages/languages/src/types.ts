/** A CodeMirror language the web page loads for the editor (runner-web maps each to its grammar). */
export type EditorMode =
  | 'python'
  | 'javascript'
  | 'typescript'
  | 'shell'
  | 'cpp'
  | 'go'
  | 'rust'
  | 'java'
  | 'ruby'
  | 'perl'
  | 'lua'
  | 'tcl'
  | 'haskell'
  | 'ocaml'
  | 'csharp'
  | 'kotlin'
  | 'scala'
  | 'objectivec'
  | 'd'
  | 'fortran'
  | 'pascal'
  | 'erlang'
  | 'scheme'
  | 'commonlisp'
  | 'clojure'
  | 'r'
  | 'octave'
  | 'cobol'
  | 'forth'
  | 'asm'
  | 'coffeescript'
  | 'groovy'
  | 'crystal'
  | 'haxe'
  | 'sql'
  | 'vb'
  | 'elixir'
  | 'brainfuck'
  /** No grammar: plain text, for a language CodeMirror has no mode for. */
  | 'plain';

/**
 * A command as an argument template. argv[0] is a key of the runtime's `tools` (resolved to an absolute
 * path by code-runner) or `./main` for a built program. Placeholders: `{main}` the main file, `{stem}`
 * its name without extension, `{sources}` every file with one of the language's extensions (main
 * first), `{heapMiB}` a heap size derived from the stage's memory limit, `{args}` the request's
 * arguments (run stage only).
 */
export type ArgvTemplate = readonly string[];

/** How to read a toolchain's version: run `argv` (argv[0] a tool key); group 1 of `pattern` in stdout+stderr is it. */
export interface VersionProbe {
  argv: ArgvTemplate;
  pattern: RegExp;
  /** Written to the command's stdin (a toolchain without a version flag, e.g. tclsh); otherwise stdin is empty. */
  stdin?: string;
  /** What bookworm's toolchain prints, and the version `pattern` must read from it (checked by the manifest's test). */
  example: readonly [output: string, version: string];
}

/**
 * Programs that every runtime of a language must pass through the API (code-runner's
 * `languages.e2e.test.ts`), as Piston keeps a test program in each of its packages.
 */
export interface TestPrograms {
  /** Prints exactly `hello world` and a newline. */
  hello: string;
  /** Copies stdin to stdout unchanged (UTF-8 included). */
  echoStdin: string;
  /** Prints its arguments joined by single spaces, then a newline. */
  printArgs: string;
  /** Exits with status 3. */
  exit3: string;
  /** An uncaught error (or abort): the exit it gives (`code`, or `signal` with a null code) and what stderr says. */
  uncaught: { source: string; code: number | null; signal?: string; stderr: RegExp };
  /** Compiled languages: a program that does not compile (a compile-stage failure with the compiler's message). */
  compileError?: string;
}

/** One toolchain of a language: what Piston calls a runtime (e.g. C with gcc, or with clang). */
export interface Runtime {
  /** Piston's `runtime` field; left out where the toolchain is named like the language (as Piston does). */
  name?: string;
  /** Names that pick this runtime rather than the language's default one (e.g. `gcc`); also its aliases. */
  aliases: readonly string[];
  /** Judge0 CE 1.13.1 language ids this runtime answers for, the newest version first. */
  judge0Ids: readonly number[];
  /** The Debian (bookworm) packages that provide the toolchain; empty where every system has it already. */
  debianPackages: readonly string[];
  /** Tool key -> executable name, found on the trusted PATH at start-up. */
  tools: Readonly<Record<string, string>>;
  version: VersionProbe;
  /** The oldest toolchain version that can run this language (e.g. Node's type stripping). */
  minVersion?: string;
  compile?: ArgvTemplate;
  run: ArgvTemplate;
  env?: Readonly<Record<string, string>>;
  /** Box paths (relative) that are scratch space of the compiler and are not kept in the compile cache. */
  cacheIgnore?: readonly string[];
  /** Entries of the host's /etc the toolchain reads (its configuration, e.g. `R`), copied into the box's /etc. */
  etc?: readonly string[];
  /**
   * Host directories outside the system ones (/usr, /bin, /lib...) that the toolchain reads, mounted
   * read-only in the box, e.g. GHC's package database in /var/lib/ghc. The runtime is not offered without them.
   */
  hostPaths?: readonly string[];
}

/** One language as data: everything code-runner, the web page, the CLI, the images and CI need to know. */
export interface Language {
  /** The v2 (Piston) language name, also the name in EXPECT_LANGUAGES. */
  name: string;
  /** More names for it, lower case (matched case-insensitively). */
  aliases: readonly string[];
  /** The name the original v1 API used, where it had one. */
  v1Name?: string;
  /** File extensions, with the dot: those that make a file a source of this language (the CLI's guess too). */
  extensions: readonly string[];
  /** Default name of the main file. */
  fileName: string;
  /** When the main file has no name: derive it from the source (group 1 of `pattern`, then `suffix`). */
  fileNameFromSource?: { pattern: RegExp; suffix: string };
  /** The web page's starting program: reads a name from stdin and prints a greeting, the args and a little more. */
  sample: string;
  editorMode: EditorMode;
  tests: TestPrograms;
  /** Its toolchains; the first is the default. Several need a `name` each. */
  runtimes: readonly [Runtime, ...Runtime[]];
}
