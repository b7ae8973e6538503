// Builds what starts a run: the wrapper shell script (join the cgroups, set the rlimits, exec) and the
// bubblewrap arguments around the program. Pure: the same plan always gives the same command.
import path from 'node:path';
import type { LaunchRequest } from './launcher.ts';
import type { RunLimits } from './limits.ts';
import type { BwrapLayout } from './namespaces.ts';

/** Where the box is inside the mount namespace: the working directory, HOME and the files. */
export const boxPath = '/box';
/** Where box-init is bound inside the mount namespace. */
export const initPath = '/run/box-init';
export const sandboxPath = '/usr/local/bin:/usr/bin:/bin';
/** Where a warm box's own directory (its socket) and warm-box are bound; both hidden from runs. */
export const warmDirPath = '/run/warm';
export const warmBinaryPath = '/run/warm-box';
/** The fd on which the wrapper hands bwrap the seccomp filter (0-3 are the run's pipes). */
const seccompFd = 9;
/**
 * Where box-init enforces the memory limit (a namespace without cgroups), RLIMIT_DATA is only a backstop against
 * an allocation faster than its 10 ms check, this far above the limit: runtimes reserve address space they never
 * touch (Node 24's V8 cannot start a second isolate under 1 GiB of RLIMIT_DATA).
 */
export const dataBackstopBytes = 2 * 1024 ** 3;

export interface CommandPlan {
  argv: readonly string[];
  box: { dir: string; uid: number | null };
  /** Host path inside the box. */
  cwd: string;
  limits: RunLimits;
  env: Record<string, string>;
  readOnlyPaths: readonly string[];
  cgroup: { joinFiles: readonly string[]; joinPid: string; joinNeedsRoot: boolean } | null;
  bwrap: { path: string; layout: BwrapLayout; seccomp: string | null } | null;
  /** Host path of box-init; null: a shell waits instead. */
  init: string | null;
  setpriv: string | null;
  /** Whether the run gets a stdin pipe (else /dev/null). */
  stdin: boolean;
  /** Tasks of the server's uid that RLIMIT_NPROC counts besides the run's (basic level, no per-box uid). */
  otherTasks: number;
  /**
   * Starts a warm box instead of a program (`argv` unused): its init, warm-box serve, with the box's own
   * directory (host path) for its socket; it applies the filter and the run's rlimits to each run itself.
   * `cgroups` (cgroup v2): the host directory in which each run gets a fresh cgroup for the init to clone the
   * run into; it is bound at `${warmDirPath}/cg`, which runs never see.
   */
  warm?: { dir: string; binary: string; cgroups: string | null } | null;
}

export interface Command {
  request: LaunchRequest;
  /** What on fd 3 proves that the program itself ran to its end (null: nothing can). */
  proof: 'ran' | 'times' | null;
  /** The program's signal comes back as exit status 128 + n. */
  wrapped: boolean;
  /** box-init's pid is the launched one's child (bwrap forks it), not the launched one itself. */
  initIsChild: boolean;
}

export const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The scrubbed environment of a program, with the caller's additions; inside a mount namespace or not. */
function programEnv(plan: { box: { dir: string }; env: Record<string, string> }, namespaced: boolean) {
  const home = namespaced ? boxPath : plan.box.dir;
  return { PATH: sandboxPath, HOME: home, LANG: 'C.UTF-8', TMPDIR: namespaced ? '/tmp' : plan.box.dir, ...plan.env };
}

/** The working directory as the program sees it in a mount namespace (the box at /box). */
const cwdInBox = (plan: { box: { dir: string }; cwd: string }) =>
  path.posix.join(boxPath, path.relative(plan.box.dir, plan.cwd));

/** RLIMIT_STACK in the whole KiB `ulimit -s` takes: a warm run's init sets the same bytes. */
const stackKiB = (bytes: number) => Math.floor(bytes / 1024);

/** box-init's limits where no cgroup bounds the run: its tasks (+ box-init itself) and its memory. */
const waiterLimits = (limits: RunLimits, cgroup: boolean) =>
  cgroup ? [] : ['--nproc', String(limits.processes + 1), '--memory', String(limits.memoryBytes)];

/** The program's argv inside bwrap: under box-init, or a shell that reports `ran <status>`. */
function inner(plan: CommandPlan): string[] {
  if (plan.warm) {
    // Read-only paths under /tmp are covered by each run's fresh /tmp: the init binds them again.
    const keep = plan.readOnlyPaths.filter((p) => p.startsWith('/tmp/'));
    return [warmBinaryPath, 'serve', `${warmDirPath}/sock`, plan.bwrap?.seccomp ? String(seccompFd) : '-', ...keep];
  }
  const nproc = plan.cgroup ? null : plan.limits.processes + 1; // + the waiter itself
  if (plan.init) return [initPath, ...waiterLimits(plan.limits, plan.cgroup !== null), '--', ...plan.argv];
  const ulimit = nproc === null ? '' : `ulimit -p ${nproc} || { echo 'sandbox: ulimit -p' >&3; exit 125; }; `;
  return ['/bin/sh', '-c', `${ulimit}"$@" 3>&-; s=$?; echo "ran $s" >&3; exit $s`, 'sh', ...plan.argv];
}

function bwrapArgs(plan: CommandPlan, bwrap: NonNullable<CommandPlan['bwrap']>): string[] {
  const { limits } = plan;
  return [
    bwrap.path,
    // A warm box's init clones runs into cgroups beside its own, so its cgroup namespace cannot be rooted at
    // its own: each run gets a new one instead, rooted at the run's cgroup.
    ...(plan.warm ? bwrap.layout.common.filter((arg) => arg !== '--unshare-cgroup-try') : bwrap.layout.common),
    ...(limits.network ? bwrap.layout.network : ['--unshare-net']),
    '--size',
    String(limits.diskBytes),
    '--tmpfs',
    '/tmp',
    '--bind',
    plan.box.dir,
    boxPath,
    ...plan.readOnlyPaths.flatMap((p) => ['--ro-bind', p, p]),
    ...(plan.init ? ['--ro-bind', plan.init, initPath] : []),
    ...(plan.warm
      ? // The init alone keeps what it needs to make each run's namespaces and mounts; runs drop it all.
        [
          '--bind',
          plan.warm.dir,
          warmDirPath,
          ...(plan.warm.cgroups ? ['--bind', plan.warm.cgroups, `${warmDirPath}/cg`] : []),
          '--ro-bind',
          plan.warm.binary,
          warmBinaryPath,
        ]
      : []),
    ...(plan.warm ? ['--cap-add', 'CAP_SYS_ADMIN', '--cap-add', 'CAP_SETPCAP'] : []),
    ...(bwrap.seccomp && !plan.warm ? ['--seccomp', String(seccompFd)] : []),
    '--chdir',
    cwdInBox(plan),
    // The waiter as PID 1 instead of bwrap's own init: the outer bwrap then waits for PID 1 itself, so no
    // init is left to the host's PID 1 to reap (its zombies would stay charged to the pids cgroup).
    '--as-pid-1',
    '--',
    ...inner(plan),
  ];
}

/** The wrapper script and its argv ("$@" is the command it execs). */
export function buildCommand(plan: CommandPlan): Command {
  const { limits, cgroup: cg, bwrap, init } = plan;
  const command = bwrap ? bwrapArgs(plan, bwrap) : init ? [init, '--', ...plan.argv] : [...plan.argv];
  const cpuSeconds = Math.ceil(limits.cpuTimeMs / 1000);
  // Failures of the wrapper itself go to fd 3, so they cannot be confused with the program's output.
  const lines = [
    'f(){ echo "sandbox: $1" >&3; exit 125; }',
    ...(cg?.joinFiles ?? []).map((file) => `echo ${cg?.joinPid} > ${shellQuote(file)} || f 'cannot join cgroup'`),
    "ulimit -c 0 || f 'ulimit -c'",
  ];
  // A warm box's init sets each run's rlimits itself: hard limits set here could not be raised for a later run.
  if (!plan.warm)
    lines.push(
      `ulimit -n ${limits.openFiles} || f 'ulimit -n ${limits.openFiles}'`,
      `ulimit -f ${Math.floor(limits.fileSizeBytes / 512)} || f 'ulimit -f'`,
      `ulimit -S -t ${cpuSeconds} && ulimit -H -t ${cpuSeconds + 1} || f 'ulimit -t'`,
      ...(limits.stackBytes === undefined ? [] : [`ulimit -s ${stackKiB(limits.stackBytes)} || f 'ulimit -s'`]),
    );
  if (!cg && !plan.warm) {
    const data = bwrap && init ? limits.memoryBytes + dataBackstopBytes : limits.memoryBytes;
    lines.push(`ulimit -d ${Math.ceil(data / 1024)} || f 'ulimit -d'`);
    // No user namespace of its own: RLIMIT_NPROC counts every task (thread) of the uid, the wrapper's and,
    // without a per-box uid, all of the server's own, as far as this process can see them.
    if (!bwrap) lines.push(`ulimit -p ${limits.processes + 1 + plan.otherTasks} || f 'ulimit -p'`);
  }
  // fd 3 reaches a waiter (box-init, bwrap's shell), never a program started without one.
  const keep3 = bwrap || init ? '' : ' 3>&-';
  const seccomp = bwrap?.seccomp ? ` ${seccompFd}<${shellQuote(bwrap.seccomp)}` : '';
  let proof: Command['proof'] = bwrap || init ? 'ran' : null;
  if (!cg && !bwrap && !init) {
    // Not exec: the shell stays to report the CPU time of everything it waited for.
    lines.push(`"$@"${keep3}; s=$?; times >&3; exit $s`);
    proof = 'times';
  } else if (cg?.joinNeedsRoot && plan.box.uid !== null && plan.setpriv) {
    const uid = plan.box.uid;
    lines.push(
      `exec ${plan.setpriv} --reuid=${uid} --regid=${uid} --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"${keep3}${seccomp}`,
    );
  } else {
    lines.push(`exec "$@"${keep3}${seccomp}`);
  }
  const dropInSpawn = plan.box.uid !== null && !cg?.joinNeedsRoot;
  const env = programEnv(plan, bwrap !== null);
  return {
    request: {
      file: '/bin/sh',
      args: ['-c', lines.join('\n'), 'sandbox', ...command],
      env,
      cwd: bwrap ? plan.box.dir : plan.cwd,
      stdin: plan.stdin,
      ...(dropInSpawn ? { uid: plan.box.uid as number, gid: plan.box.uid as number } : {}),
    },
    proof,
    wrapped: bwrap !== null || init !== null || !cg,
    initIsChild: bwrap !== null && init !== null,
  };
}

export interface WarmRunPlan {
  argv: readonly string[];
  box: { dir: string; uid: number | null };
  /** Host path inside the box. */
  cwd: string;
  limits: RunLimits;
  env: Record<string, string>;
  /** Whether a cgroup bounds the run's memory and tasks (else box-init does, with RLIMIT_DATA as backstop). */
  cgroup: boolean;
  /** The run's own cgroup the init clones it into, by name in the box's cgroups directory (cgroup v2), or ''. */
  into: string;
}

/**
 * A run in a warm box: the request its init reads on the control connection (src/warm-box.c): the rlimits
 * it sets (-1: none, the box's own stays), the working directory, the cgroup to clone the run into, box-init's
 * arguments and the environment, as NUL-terminated strings.
 */
export function warmRequest(plan: WarmRunPlan): Buffer {
  const { limits } = plan;
  const initArgs = [...waiterLimits(limits, plan.cgroup), '--', ...plan.argv];
  const env = programEnv(plan, true);
  const strings = [
    String(limits.diskBytes),
    String(limits.openFiles),
    String(Math.floor(limits.fileSizeBytes / 512) * 512),
    String(Math.ceil(limits.cpuTimeMs / 1000)),
    String(plan.cgroup ? -1 : limits.memoryBytes + dataBackstopBytes),
    String(limits.stackBytes === undefined ? -1 : stackKiB(limits.stackBytes) * 1024),
    cwdInBox(plan),
    plan.into,
    String(initArgs.length),
    ...initArgs,
    ...Object.entries(env).map(([name, value]) => `${name}=${value}`),
  ];
  return Buffer.from(`${strings.join('\0')}\0`);
}
