// Checks what callers pass, up front, with messages that quote the bad value.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Box } from './box.ts';
import { describeValue, SandboxOptionError } from './errors.ts';
import { type IsolationLayer, type IsolationLevel, isolationLayers, isolationLevels } from './isolation.ts';
import { execStringProblem, maxArgs, maxExecBytes, type RunLimits, resolveLimits } from './limits.ts';
import type { StdinSource } from './supervise.ts';

export interface SandboxOptions {
  /** Where box directories are created. */
  workRoot: string;
  /** Refuse (throw IsolationUnavailableError) below this level. */
  requireLevel?: IsolationLevel;
  /** How many boxes (ids 0..n-1) the caller will create; used for uid allocation. Default 64. */
  boxes?: number;
  /** First per-box uid when root (default 60000); the self-test box uses baseUid + boxes. */
  baseUid?: number;
  /** Layers not to use even where the host allows them (to run at a lower level, e.g. in tests). */
  disable?: IsolationLayer[];
  /** A prebuilt box-init (src/box-init.c); default: built from the package's source with `cc` into workRoot. */
  init?: string;
  /**
   * More entries of the host's /etc that programs read, by name (a toolchain's configuration, e.g. `R`,
   * `mono`, `fpc.cfg`): copied, world-readable files only, into the box's /etc beside the built-in ones.
   * Names the sandbox writes itself (passwd, group, the network files) are refused.
   */
  etc?: readonly string[];
  /**
   * Warm boxes: each box is one long-lived sandbox whose init forks every run into fresh namespaces (no
   * bwrap, no cgroup move per run). Default true; used at levels namespaces and full where the host allows
   * it (see `isolation.runPath`), else runs take the cold path (one bwrap per run).
   */
  warm?: boolean;
  /** Runs a warm box serves before it is destroyed and rebuilt. Default 500. */
  runsPerBox?: number;
  /**
   * Host paths bound read-only into every warm box (the toolchains' own directories outside the system ones):
   * a run whose `readOnlyPaths` are not all among them takes the cold path.
   */
  warmPaths?: string[];
}

export interface RunOptions {
  box: Box;
  /** argv[0] is resolved with PATH inside the sandbox; never a shell string. */
  argv: [string, ...string[]];
  /** All of the input, or a stream (a Readable or an async iterable) whose end is the end of input. */
  stdin?: StdinSource;
  /** Added to the minimal scrubbed env (PATH, HOME=/box, LANG=C.UTF-8, TMPDIR). */
  env?: Record<string, string>;
  /** Relative to the box, default the box root. */
  cwd?: string;
  limits?: Partial<RunLimits>;
  /** Extra host paths exposed read-only at the same path (e.g. a toolchain under /opt). */
  readOnlyPaths?: string[];
  /** Abort -> kill everything, status 'aborted'. */
  signal?: AbortSignal;
  /** stdout and stderr as they come (cut at character boundaries, within the caps), besides the result. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface CheckedSandboxOptions {
  workRoot: string;
  requireLevel: IsolationLevel | undefined;
  boxes: number;
  baseUid: number;
  disable: Set<IsolationLayer>;
  root: boolean;
  init: string | undefined;
  etc: readonly string[];
  warm: boolean;
  runsPerBox: number;
  warmPaths: string[];
}

const defaultBoxes = 64;
/** What the sandbox writes into the box's /etc itself, or binds from the host only for runs with network. */
const reservedEtc = ['passwd', 'group', 'shadow', 'gshadow', 'hosts', 'resolv.conf', 'host.conf', 'gai.conf'];
const defaultBaseUid = 60000;
const defaultRunsPerBox = 500;

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SandboxOptionError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

export function checkPaths(name: string, paths: unknown): string[] {
  if (paths === undefined) return [];
  if (!Array.isArray(paths)) {
    throw new SandboxOptionError(`Expected \`${name}\` to be an array of paths, got ${describeValue(paths)}`);
  }
  for (const item of paths) {
    if (typeof item !== 'string' || !path.isAbsolute(item) || !existsSync(item)) {
      throw new SandboxOptionError(`Expected \`${name}\` to hold existing absolute paths, got ${describeValue(item)}`);
    }
  }
  return paths;
}

export function checkSandboxOptions(options: SandboxOptions): CheckedSandboxOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SandboxOptionError(`Expected sandbox options to be an object, got ${describeValue(options)}`);
  }
  if (typeof options.workRoot !== 'string' || !path.isAbsolute(options.workRoot)) {
    throw new SandboxOptionError(
      `Expected \`workRoot\` to be an absolute path, got ${describeValue(options.workRoot)}`,
    );
  }
  if (options.requireLevel !== undefined && !isolationLevels.includes(options.requireLevel)) {
    throw new SandboxOptionError(
      `Expected \`requireLevel\` to be one of ${isolationLevels.join(', ')}, got ${describeValue(options.requireLevel)}`,
    );
  }
  const boxes = checkInteger('boxes', options.boxes ?? defaultBoxes, 1, 10000);
  const baseUid = checkInteger('baseUid', options.baseUid ?? defaultBaseUid, 1000, 2 ** 31 - 20000);
  const disable = new Set(options.disable ?? []);
  for (const layer of disable) {
    if (!isolationLayers.includes(layer)) {
      throw new SandboxOptionError(
        `Expected \`disable\` to hold layers among namespaces, cgroups, got ${describeValue(layer)}`,
      );
    }
  }
  const root = process.getuid?.() === 0;
  if (disable.has('process')) {
    throw new SandboxOptionError('The `process` layer (process group + rlimits) cannot be disabled');
  }
  if (disable.has('uid') && root) {
    throw new SandboxOptionError(
      'The `uid` layer cannot be disabled when running as root: user code never runs as root',
    );
  }
  if (options.init !== undefined && (typeof options.init !== 'string' || !path.isAbsolute(options.init))) {
    throw new SandboxOptionError(`Expected \`init\` to be an absolute path, got ${describeValue(options.init)}`);
  }
  const etc = options.etc ?? [];
  if (!Array.isArray(etc))
    throw new SandboxOptionError(`Expected \`etc\` to be an array of names, got ${describeValue(etc)}`);
  for (const name of etc) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.+-]*$/.test(name) || reservedEtc.includes(name)) {
      throw new SandboxOptionError(
        `Expected \`etc\` to hold names of entries of /etc (no slash, not ${reservedEtc.join(', ')}), got ${describeValue(name)}`,
      );
    }
  }
  if (options.warm !== undefined && typeof options.warm !== 'boolean') {
    throw new SandboxOptionError(`Expected \`warm\` to be true or false, got ${describeValue(options.warm)}`);
  }
  const runsPerBox = checkInteger('runsPerBox', options.runsPerBox ?? defaultRunsPerBox, 1, 1_000_000);
  const warmPaths = checkPaths('warmPaths', options.warmPaths);
  const workRoot = path.resolve(options.workRoot);
  return {
    workRoot,
    requireLevel: options.requireLevel,
    boxes,
    baseUid,
    disable,
    root,
    init: options.init,
    etc,
    warm: options.warm ?? true,
    runsPerBox,
    warmPaths,
  };
}

export interface CheckedRun {
  argv: string[];
  stdin: StdinSource | undefined;
  env: Record<string, string>;
  /** Host path inside the box. */
  cwd: string;
  readOnlyPaths: string[];
  limits: RunLimits;
  signal: AbortSignal | undefined;
  onOutput: RunOptions['onOutput'];
}

const isStream = (value: unknown) =>
  value instanceof Readable ||
  (typeof value === 'object' && value !== null && Symbol.asyncIterator in value && !(value instanceof Uint8Array));

/** Checks a run's options against the box it runs in (`boxDir`, its host path). */
export function checkRunOptions(options: RunOptions, boxDir: string): CheckedRun {
  const { argv } = options;
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new SandboxOptionError(`Expected \`argv\` to be a non-empty array of strings, got ${describeValue(argv)}`);
  }
  for (const [index, arg] of argv.entries()) {
    const problem = execStringProblem(arg);
    if (problem) throw new SandboxOptionError(`Expected \`argv[${index}]\` to be an exec() string: it ${problem}`);
  }
  if (argv.length > maxArgs) {
    throw new SandboxOptionError(
      `Expected \`argv\` to have at most ${maxArgs} entries (bubblewrap's limit, with room for its own), got ${argv.length}`,
    );
  }
  if (argv[0] === '') throw new SandboxOptionError('Expected `argv[0]` to name a program, got an empty string');
  const stdin = options.stdin;
  if (stdin !== undefined && typeof stdin !== 'string' && !(stdin instanceof Uint8Array) && !isStream(stdin)) {
    throw new SandboxOptionError(
      `Expected \`stdin\` to be a string, a Uint8Array, a Readable or an async iterable, got ${describeValue(stdin)}`,
    );
  }
  const env = options.env ?? {};
  if (typeof env !== 'object' || env === null) {
    throw new SandboxOptionError(`Expected \`env\` to be an object of strings, got ${describeValue(env)}`);
  }
  for (const [key, value] of Object.entries(env)) {
    const problem =
      key === '' || key.includes('=') ? 'must have a name without =' : execStringProblem(`${key}=${value}`);
    if (problem || typeof value !== 'string') {
      throw new SandboxOptionError(
        `Expected \`env.${key}\` to be a string variable (${problem ?? 'must be a string'}), got ${describeValue(value)}`,
      );
    }
  }
  const execBytes = [...argv, ...Object.entries(env).map(([key, value]) => `${key}=${value}`)].reduce(
    (sum, text) => sum + Buffer.byteLength(text) + 1,
    0,
  );
  if (execBytes > maxExecBytes) {
    throw new SandboxOptionError(
      `Expected \`argv\` and \`env\` to hold at most ${maxExecBytes} bytes in all (the kernel's exec limit), got ${execBytes}`,
    );
  }
  const cwd = path.resolve(boxDir, options.cwd ?? '.');
  if (cwd !== boxDir && !cwd.startsWith(`${boxDir}/`)) {
    throw new SandboxOptionError(`Expected \`cwd\` to stay inside the box, got ${describeValue(options.cwd)}`);
  }
  const readOnlyPaths = checkPaths('readOnlyPaths', options.readOnlyPaths);
  if (options.onOutput !== undefined && typeof options.onOutput !== 'function') {
    throw new SandboxOptionError(`Expected \`onOutput\` to be a function, got ${describeValue(options.onOutput)}`);
  }
  return {
    argv,
    stdin,
    env,
    cwd,
    readOnlyPaths,
    limits: resolveLimits(options.limits),
    signal: options.signal,
    onOutput: options.onOutput,
  };
}
