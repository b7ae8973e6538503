import { execFile } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { findExecutable } from '@repo/sandbox';
import semver from 'semver';

/**
 * One language as data. Argument templates: argv[0] is a key of `tools`; `{main}` is the main file,
 * `{stem}` its name without extension, `{sources}` expands to every file with one of `sourceExtensions`
 * (main first), `{heapMiB}` is a heap size derived from the stage's memory limit, `{args}` expands to
 * the request's arguments (run stage only).
 */
export interface LanguageSpec {
  /** v2 (Piston) language name. */
  name: string;
  /** The name the original v1 API used. */
  v1Name: string;
  aliases: string[];
  /** Piston's `runtime` field, where the toolchain is not named like the language. */
  runtime?: string;
  /** Tool key -> executable name, resolved to an absolute path at start-up. */
  tools: Record<string, string>;
  /** How to read the real version from the toolchain: argv (argv[0] a tool key) and a regex whose group 1 is it. */
  version: { argv: string[]; pattern: RegExp };
  /** The oldest toolchain version that can run this language (e.g. Node's type stripping). */
  minVersion?: string;
  /** Default name of the main file. */
  fileName: string;
  /** When the main file has no name: derive it from the source (group 1 of the pattern + `fileNameSuffix`). */
  fileNameFromSource?: { pattern: RegExp; suffix: string };
  sourceExtensions: string[];
  compile?: string[];
  run: string[];
  env?: Record<string, string>;
  /** Box paths (relative) that are scratch space of the compiler and are not kept in the compile cache. */
  cacheIgnore?: string[];
}

// JVM flags for a small memory cgroup: a heap below the limit, a single GC thread, a small code cache,
// the client compiler only (fast start), and few threads so the process limit is not eaten by the JVM.
const jvmFlags = [
  '-Xmx{heapMiB}m',
  '-Xss8m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:CICompilerCount=1',
  '-XX:ReservedCodeCacheSize=32m',
  '-XX:MaxMetaspaceSize=96m',
  '-XX:-UsePerfData',
  '-Xshare:auto',
];

/** The languages code-runner knows; each is offered only where its toolchain is found. */
export const languageTable: readonly LanguageSpec[] = [
  {
    name: 'python',
    v1Name: 'python3',
    aliases: ['py', 'py3', 'python3'],
    tools: { python3: 'python3' },
    version: { argv: ['python3', '--version'], pattern: /Python (\d+\.\d+\.\d+\S*)/ },
    fileName: 'main.py',
    sourceExtensions: ['.py'],
    run: ['python3', '{main}', '{args}'],
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
  },
  {
    name: 'javascript',
    v1Name: 'nodejs',
    aliases: ['js', 'node', 'node-js', 'node-javascript', 'nodejs'],
    runtime: 'node',
    tools: { node: 'node' },
    version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/ },
    fileName: 'main.js',
    sourceExtensions: ['.js', '.mjs', '.cjs'],
    run: ['node', '--max-old-space-size={heapMiB}', '{main}', '{args}'],
  },
  {
    name: 'typescript',
    v1Name: 'typescript',
    aliases: ['ts', 'node-ts', 'tsc'],
    runtime: 'node',
    tools: { node: 'node' },
    version: { argv: ['node', '--version'], pattern: /v(\d+\.\d+\.\d+)/ },
    // Type stripping is on by default from Node 22.18 / 23.6.
    minVersion: '22.18.0',
    fileName: 'main.ts',
    sourceExtensions: ['.ts', '.mts', '.cts'],
    run: ['node', '--max-old-space-size={heapMiB}', '--disable-warning=ExperimentalWarning', '{main}', '{args}'],
  },
  {
    name: 'bash',
    v1Name: 'bash',
    aliases: ['sh'],
    tools: { bash: 'bash' },
    version: { argv: ['bash', '--version'], pattern: /version (\d+\.\d+\.\d+)/ },
    fileName: 'main.sh',
    sourceExtensions: ['.sh'],
    run: ['bash', '{main}', '{args}'],
  },
  {
    name: 'c',
    v1Name: 'c',
    aliases: ['gcc'],
    runtime: 'gcc',
    tools: { gcc: 'gcc' },
    version: { argv: ['gcc', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/ },
    fileName: 'main.c',
    sourceExtensions: ['.c'],
    compile: ['gcc', '-O2', '-std=gnu17', '-o', 'main', '-x', 'c', '{sources}', '-x', 'none', '-lm'],
    run: ['./main', '{args}'],
  },
  {
    name: 'c++',
    v1Name: 'c++',
    aliases: ['cpp', 'g++', 'cxx'],
    runtime: 'gcc',
    tools: { gxx: 'g++' },
    version: { argv: ['gxx', '-dumpfullversion'], pattern: /(\d+\.\d+\.\d+)/ },
    fileName: 'main.cpp',
    sourceExtensions: ['.cpp', '.cc', '.cxx', '.c++'],
    compile: ['gxx', '-O2', '-std=gnu++20', '-o', 'main', '-x', 'c++', '{sources}', '-x', 'none', '-lm'],
    run: ['./main', '{args}'],
  },
  {
    name: 'go',
    v1Name: 'go',
    aliases: ['golang'],
    tools: { go: 'go' },
    version: { argv: ['go', 'version'], pattern: /go(\d+\.\d+(?:\.\d+)?)/ },
    fileName: 'main.go',
    sourceExtensions: ['.go'],
    compile: ['go', 'build', '-o', 'main', '{sources}'],
    run: ['./main', '{args}'],
    // No modules (a single package main), no cgo (no gcc run); the build cache lives in HOME (the box).
    env: { GO111MODULE: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTELEMETRY: 'off' },
    cacheIgnore: ['.cache', 'go'],
  },
  {
    name: 'rust',
    v1Name: 'rust',
    aliases: ['rs', 'rustc'],
    tools: { rustc: 'rustc' },
    version: { argv: ['rustc', '--version'], pattern: /rustc (\d+\.\d+\.\d+)/ },
    fileName: 'main.rs',
    sourceExtensions: ['.rs'],
    compile: ['rustc', '-O', '--edition=2021', '-o', 'main', '{main}'],
    run: ['./main', '{args}'],
  },
  {
    name: 'java',
    v1Name: 'java',
    aliases: ['jdk'],
    tools: { javac: 'javac', java: 'java' },
    version: { argv: ['javac', '-version'], pattern: /javac (\d+(?:\.\d+)*\S*)/ },
    fileName: 'Main.java',
    fileNameFromSource: { pattern: /public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)/, suffix: '.java' },
    sourceExtensions: ['.java'],
    compile: ['javac', ...jvmFlags.map((flag) => `-J${flag}`), '-encoding', 'UTF-8', '{sources}'],
    run: ['java', ...jvmFlags, '-cp', '.', '{stem}', '{args}'],
  },
];

/** A language whose toolchain was found: everything needed to run it, resolved at start-up. */
export interface LanguageRuntime {
  spec: LanguageSpec;
  /** The version as the toolchain reports it. */
  version: string;
  /** Tool key -> absolute path. */
  tools: Record<string, string>;
  /** Host directories of tools outside the system directories, exposed read-only in the sandbox. */
  readOnlyPaths: string[];
}

export interface MissingLanguage {
  name: string;
  reason: string;
}

export interface DetectOptions {
  /** Directories searched for tools, in order. Default: trusted system dirs; node also in the directory of this Node. */
  searchPath?: (tool: string) => string[];
  table?: readonly LanguageSpec[];
  /**
   * Where to copy a tool that the box users cannot reach (a Node under a private home or a 0700
   * checkout), so that it runs in the sandbox. Without it such a tool is used as found.
   */
  shareDir?: string;
}

export const trustedPath = ['/usr/local/bin', '/usr/bin', '/bin'];
const systemPrefixes = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib64/', '/etc/'];

function defaultSearchPath(tool: string): string[] {
  // The Node that runs this server first: it is the one known to be new enough for TypeScript.
  return tool === 'node' ? [path.dirname(process.execPath), ...trustedPath] : trustedPath;
}

function readVersion(argv: string[]): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: 20_000, env: { PATH: trustedPath.join(':'), LANG: 'C.UTF-8', HOME: '/nonexistent' } },
      (error, stdout, stderr) => {
        if (error) reject(error);
        else resolve(`${stdout}\n${stderr}`);
      },
    );
  });
}

/** Whether a user other than the owner (a box uid) can run `file`: it and every directory on its way let others through. */
export function reachableByOthers(file: string): boolean {
  const real = realpathSync(file);
  if ((statSync(real).mode & 0o005) !== 0o005) return false;
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

const shared = new Map<string, Promise<string>>();

/** A copy of `tool` in `shareDir` that box users can run; made once per tool, size and modification time. */
function shareTool(tool: string, shareDir: string): Promise<string> {
  const real = realpathSync(tool);
  const { size, mtimeMs } = statSync(real);
  const target = path.join(shareDir, `${path.basename(real)}-${size}-${Math.trunc(mtimeMs)}`, path.basename(tool));
  let copying = shared.get(target);
  if (!copying) {
    copying = (async () => {
      try {
        if (statSync(target).size === size) return target;
      } catch {
        // not copied yet
      }
      await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      await chmod(shareDir, 0o755);
      await chmod(path.dirname(target), 0o755);
      const partial = `${target}.${process.pid}.partial`;
      await copyFile(real, partial);
      await chmod(partial, 0o755);
      await rename(partial, target);
      return target;
    })();
    shared.set(target, copying);
  }
  return copying;
}

/** Finds the toolchain of every language and reads its version; the missing ones come with the reason. */
export async function detectLanguages(
  options: DetectOptions = {},
): Promise<{ available: LanguageRuntime[]; missing: MissingLanguage[] }> {
  const searchPath = options.searchPath ?? defaultSearchPath;
  const results = await Promise.all(
    (options.table ?? languageTable).map(async (spec): Promise<LanguageRuntime | MissingLanguage> => {
      const tools: Record<string, string> = {};
      for (const [key, executable] of Object.entries(spec.tools)) {
        const found = findExecutable(executable, searchPath(executable));
        if (!found) {
          return { name: spec.name, reason: `${executable} not found in ${searchPath(executable).join(':')}` };
        }
        // As root the code runs under box uids, which cannot enter a private directory.
        const needsCopy = options.shareDir !== undefined && process.getuid?.() === 0 && !reachableByOthers(found);
        tools[key] = needsCopy && options.shareDir ? await shareTool(found, options.shareDir) : found;
      }
      const versionArgv = spec.version.argv.map((arg, i) => (i === 0 ? (tools[arg] ?? arg) : arg));
      let output: string;
      try {
        output = await readVersion(versionArgv);
      } catch (error) {
        return { name: spec.name, reason: `${versionArgv.join(' ')} failed: ${(error as Error).message}` };
      }
      const version = spec.version.pattern.exec(output)?.[1];
      if (!version) {
        return {
          name: spec.name,
          reason: `no version in the output of ${versionArgv.join(' ')}: ${JSON.stringify(output.trim().slice(0, 200))}`,
        };
      }
      if (spec.minVersion && !semver.gte(semver.coerce(version) ?? '0.0.0', spec.minVersion)) {
        return {
          name: spec.name,
          reason: `needs ${Object.values(spec.tools)[0]} >= ${spec.minVersion}, found ${version}`,
        };
      }
      const readOnlyPaths = new Set<string>();
      for (const tool of Object.values(tools)) {
        const real = realpathSync(tool);
        for (const p of [tool, real]) {
          if (!systemPrefixes.some((prefix) => p.startsWith(prefix))) readOnlyPaths.add(path.dirname(p));
        }
      }
      return { spec, version, tools, readOnlyPaths: [...readOnlyPaths] };
    }),
  );
  return {
    available: results.filter((r): r is LanguageRuntime => 'spec' in r),
    missing: results.filter((r): r is MissingLanguage => !('spec' in r)),
  };
}

/** Thrown when no runtime matches; the message is the API's. */
export class UnknownRuntimeError extends Error {
  override name = 'UnknownRuntimeError';
}

/** The runtime for a v2 language (name or alias) and version (exact, semver range or `*`). */
export function findRuntime(runtimes: readonly LanguageRuntime[], language: string, version = '*'): LanguageRuntime {
  const wanted = language.toLowerCase();
  const byName = runtimes.filter((r) => r.spec.name === wanted || r.spec.aliases.includes(wanted));
  const match = byName.find((r) => {
    if (version === '*' || version === r.version) return true;
    const coerced = semver.coerce(r.version);
    return coerced !== null && semver.validRange(version) !== null && semver.satisfies(coerced, version);
  });
  if (!match) throw new UnknownRuntimeError(`${language}-${version} runtime is unknown`);
  return match;
}

/** The runtime for a v1 language name (aliases and v2 names are accepted too). */
export function findRuntimeV1(runtimes: readonly LanguageRuntime[], language: string): LanguageRuntime {
  const wanted = language.toLowerCase();
  const match =
    runtimes.find((r) => r.spec.v1Name === wanted) ??
    runtimes.find((r) => r.spec.name === wanted || r.spec.aliases.includes(wanted));
  if (!match) throw new UnknownRuntimeError(`invalid language: [${language}] not currently supported`);
  return match;
}

export interface ArgvContext {
  main: string;
  sources: string[];
  args: string[];
  memoryBytes: number;
}

/** Expands an argument template of the table into a real argv (argv[0] an absolute tool path or ./file). */
export function expandArgv(runtime: LanguageRuntime, template: string[], context: ArgvContext): [string, ...string[]] {
  const stem = path.basename(context.main).replace(/\.[^.]*$/, '');
  // Leave a quarter of the limit (at least 32 MiB) for the runtime's own memory beside its heap.
  const heapMiB = Math.max(
    16,
    Math.floor((context.memoryBytes - Math.max(context.memoryBytes / 4, 32 << 20)) / 2 ** 20),
  );
  const argv: string[] = [];
  template.forEach((arg, i) => {
    if (i === 0 && runtime.tools[arg]) argv.push(runtime.tools[arg]);
    else if (arg === '{sources}') argv.push(...context.sources);
    else if (arg === '{args}') argv.push(...context.args);
    else
      argv.push(
        arg.replaceAll('{main}', context.main).replaceAll('{stem}', stem).replaceAll('{heapMiB}', String(heapMiB)),
      );
  });
  return argv as [string, ...string[]];
}
