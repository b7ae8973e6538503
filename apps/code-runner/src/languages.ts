import { execFile } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { type ArgvTemplate, type Language, languages, type Runtime, type VersionProbe } from '@repo/languages';
import { findExecutable } from '@repo/sandbox';
import semver from 'semver';
import { ClientError } from './errors.ts';

/**
 * One runtime of one language of the manifest (`@repo/languages`), flattened: what the server resolves
 * a request to. Argument templates are the manifest's (see its `ArgvTemplate`).
 */
export interface LanguageSpec {
  /** v2 (Piston) language name. */
  name: string;
  /** The name the original v1 API used (the v2 name where the original had no such language). */
  v1Name: string;
  /** The language's aliases, then the runtime's own. */
  aliases: readonly string[];
  /** Piston's `runtime` field, where the toolchain is not named like the language. */
  runtime?: string;
  /** Tool key -> executable name, resolved to an absolute path at start-up. */
  tools: Readonly<Record<string, string>>;
  version: VersionProbe;
  minVersion?: string;
  fileName: string;
  fileNameFromSource?: { pattern: RegExp; suffix: string };
  sourceExtensions: readonly string[];
  compile?: ArgvTemplate;
  run: ArgvTemplate;
  env?: Readonly<Record<string, string>>;
  cacheIgnore?: readonly string[];
  etc?: readonly string[];
  hostPaths?: readonly string[];
}

/** The spec of one runtime of a language of the manifest. */
export function specOf(language: Language, runtime: Runtime): LanguageSpec {
  return {
    name: language.name,
    v1Name: language.v1Name ?? language.name,
    aliases: [...language.aliases, ...runtime.aliases],
    ...(runtime.name ? { runtime: runtime.name } : {}),
    tools: runtime.tools,
    version: runtime.version,
    ...(runtime.minVersion ? { minVersion: runtime.minVersion } : {}),
    fileName: language.fileName,
    ...(language.fileNameFromSource ? { fileNameFromSource: language.fileNameFromSource } : {}),
    sourceExtensions: language.extensions,
    ...(runtime.compile ? { compile: runtime.compile } : {}),
    run: runtime.run,
    ...(runtime.env ? { env: runtime.env } : {}),
    ...(runtime.cacheIgnore ? { cacheIgnore: runtime.cacheIgnore } : {}),
    ...(runtime.etc ? { etc: runtime.etc } : {}),
    ...(runtime.hostPaths ? { hostPaths: runtime.hostPaths } : {}),
  };
}

/** Every runtime of every language of the manifest, the default runtime of each language first; each is offered only where its toolchain is found. */
export const languageTable: readonly LanguageSpec[] = languages.flatMap((language) =>
  language.runtimes.map((runtime) => specOf(language, runtime)),
);

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

function readVersion(argv: string[], stdin = ''): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: 20_000, env: { PATH: trustedPath.join(':'), LANG: 'C.UTF-8', HOME: '/nonexistent' } },
      (error, stdout, stderr) => {
        if (error) reject(error);
        else resolve(`${stdout}\n${stderr}`);
      },
    );
    // Closed in every case: a toolchain that reads stdin (tclsh) would otherwise wait for the timeout.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin);
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
        output = await readVersion(versionArgv, spec.version.stdin);
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
      for (const dir of spec.hostPaths ?? []) {
        if (!existsSync(dir)) return { name: spec.name, reason: `${dir} is missing (the toolchain reads it)` };
        readOnlyPaths.add(dir);
      }
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
export class UnknownRuntimeError extends ClientError {
  override name = 'UnknownRuntimeError';
  constructor(message: string) {
    super(400, message, { reason: 'invalid' });
  }
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

/** A heap size for a runtime that needs one (the JVM, the CLR, SBCL): a quarter of the limit (at least 32 MiB) is left for its own memory. */
export function heapMiB(memoryBytes: number): number {
  return Math.max(16, Math.floor((memoryBytes - Math.max(memoryBytes / 4, 32 << 20)) / 2 ** 20));
}

/** The runtime's environment for a stage, with `{heapMiB}` expanded (e.g. `JAVA_OPTS=-Xmx{heapMiB}m` for a JVM started by a script). */
export function expandEnv(runtime: LanguageRuntime, memoryBytes: number): Record<string, string> | undefined {
  const env = runtime.spec.env;
  if (!env) return undefined;
  const heap = String(heapMiB(memoryBytes));
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value.replaceAll('{heapMiB}', heap)]));
}

/** Expands an argument template of the table into a real argv (argv[0] an absolute tool path or ./file). */
export function expandArgv(
  runtime: LanguageRuntime,
  template: ArgvTemplate,
  context: ArgvContext,
): [string, ...string[]] {
  const stem = path.basename(context.main).replace(/\.[^.]*$/, '');
  const heap = String(heapMiB(context.memoryBytes));
  const argv: string[] = [];
  template.forEach((arg, i) => {
    if (i === 0 && runtime.tools[arg]) argv.push(runtime.tools[arg]);
    else if (arg === '{sources}') argv.push(...context.sources);
    else if (arg === '{args}') argv.push(...context.args);
    else argv.push(arg.replaceAll('{main}', context.main).replaceAll('{stem}', stem).replaceAll('{heapMiB}', heap));
  });
  return argv as [string, ...string[]];
}
