// Probes what the host allows, once at start: cgroups, bubblewrap (by a real trial), a tmpfs per box,
// the launcher, box-init and the syscall filter. Each layer gets a detail: what is used, or why not.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { type CgroupDriver, detectCgroups } from './cgroup/index.ts';
import { sandboxPath } from './command.ts';
import { findHelperBinary, findInitBinary } from './init-binary.ts';
import type { IsolationLayer, IsolationReport } from './isolation.ts';
import { Launcher } from './launcher.ts';
import { type BwrapLayout, bwrapLayout, findExecutable } from './namespaces.ts';
import { describeSeccompFilter, writeSeccompFilter } from './seccomp/filter.ts';

export interface HostProbe {
  layers: IsolationReport['layers'];
  disk: IsolationReport['disk'];
  usage: IsolationReport['usage'];
  cgroups: CgroupDriver | null;
  bwrap: { path: string; layout: BwrapLayout; seccomp: string | null } | null;
  setpriv: string | null;
  init: string | null;
  /** warm-box (src/warm-box.c), or why there is none: then every run takes the cold path. */
  warmBox: string | { missing: string };
  launcher: Launcher | null;
}

interface ProbeInput {
  workRoot: string;
  /** The instance's directory and its prepared /etc. */
  dir: string;
  etcDir: string;
  disable: Set<IsolationLayer>;
  /** More entries of the host's /etc for the box's (SandboxOptions.etc). */
  etc: readonly string[];
  root: boolean;
  /** The uid of the start-up trials (the self-test box's). */
  trialUid: number | null;
  uidDetail: string;
  /** A prebuilt box-init, if any. */
  init: string | undefined;
}

/** Whether bwrap can create its namespaces here, tried for real as the box uid (a container or a sysctl may forbid it). */
async function probeBwrap(input: ProbeInput, layers: IsolationReport['layers']): Promise<HostProbe['bwrap']> {
  if (input.disable.has('namespaces')) {
    layers.namespaces = { available: false, detail: 'disabled by options' };
    return null;
  }
  const found = findExecutable('bwrap');
  if (!found) {
    layers.namespaces = { available: false, detail: 'bwrap not found on PATH (apt-get install bubblewrap)' };
    return null;
  }
  const layout = bwrapLayout(input.etcDir, input.etc);
  // --as-pid-1 as in the runs: bwrap's own init could outlive the outer bwrap and be left, a zombie, to PID 1.
  const trial = await execa(
    found,
    [...layout.common, '--unshare-net', '--tmpfs', '/tmp', '--as-pid-1', '--', '/bin/true'],
    {
      reject: false,
      extendEnv: false,
      env: { PATH: sandboxPath },
      cwd: '/',
      ...(input.trialUid !== null ? { uid: input.trialUid, gid: input.trialUid } : {}),
      stdin: 'ignore',
      timeout: 10_000,
    },
  );
  if (trial.exitCode !== 0) {
    const why = String(trial.stderr || trial.shortMessage)
      .trim()
      .split('\n')[0];
    layers.namespaces = { available: false, detail: `${found} cannot create namespaces here: ${why}` };
    return null;
  }
  let seccomp: string | null = null;
  let filterNote: string;
  try {
    seccomp = writeSeccompFilter(input.dir);
    filterNote = describeSeccompFilter();
  } catch (error) {
    filterNote = `no syscall filter: ${(error as Error).message}`;
  }
  const left = layout.skipped.length > 0 ? `; left out of /etc: ${layout.skipped.join(', ')}` : '';
  layers.namespaces = {
    available: true,
    detail: `${found}: user, mount, pid, ipc, uts, net namespaces; read-only system dirs; the box at /box; ${filterNote}${left}`,
  };
  return { path: found, layout, seccomp };
}

/** Whether the server may mount a tmpfs per box (root, and no container policy against it). */
async function probeTmpfs(dir: string, root: boolean): Promise<IsolationReport['disk']> {
  if (!root) return 'rlimit';
  const probe = path.join(dir, '.probe');
  mkdirSync(probe, { recursive: true });
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { reject: false });
  if (mounted.exitCode === 0) await execa('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted.exitCode === 0 ? 'tmpfs' : 'rlimit';
}

export async function probeHost(input: ProbeInput): Promise<HostProbe> {
  const { disable, root } = input;
  const layers = {} as IsolationReport['layers'];
  layers.process = {
    available: true,
    detail: 'process group + rlimits (cpu, data, nproc, fsize, nofile, core=0; stack when asked)',
  };
  layers.uid = root
    ? { available: true, detail: input.uidDetail }
    : { available: false, detail: `not running as root: code runs as the server's uid ${process.getuid?.()}` };

  let cgroups: CgroupDriver | null = null;
  if (disable.has('cgroups')) {
    layers.cgroups = { available: false, detail: 'disabled by options' };
  } else {
    const detected = detectCgroups();
    cgroups = detected.driver;
    layers.cgroups = { available: cgroups !== null, detail: detected.detail };
  }
  const setpriv = findExecutable('setpriv');
  const bwrap = await probeBwrap(input, layers);
  if (root && cgroups?.version === 'v2' && !setpriv) {
    await cgroups.close();
    cgroups = null;
    layers.cgroups = {
      available: false,
      detail: 'cgroup v2 as root needs setpriv (util-linux) to drop to the box uid',
    };
  }
  const disk = await probeTmpfs(input.dir, root);

  const init = await findInitBinary(input.workRoot, input.init);
  layers.process.detail +=
    typeof init === 'string'
      ? `; ${init}: a shell waits for each program instead (no peak memory without cgroups, no signals forwarded)`
      : `; box-init ${init.origin} waits for each program, forwards signals and reports its rusage`;
  const initPath = typeof init === 'string' ? null : init.path;
  // Prebuilt beside a prebuilt box-init (the image builds both), else built from the source like box-init.
  const besideInit = input.init ? path.join(path.dirname(input.init), 'warm-box') : undefined;
  const warm = await findHelperBinary(
    'warm-box',
    input.workRoot,
    besideInit && existsSync(besideInit) ? besideInit : undefined,
  );
  const warmBox = typeof warm === 'string' ? { missing: warm } : warm.path;
  const usage: IsolationReport['usage'] = cgroups
    ? { memory: 'cgroup', cpuTime: 'cgroup' }
    : initPath
      ? { memory: 'rusage', cpuTime: 'rusage' }
      : { memory: null, cpuTime: bwrap ? null : 'times' }; // the waiting wrapper's `times` sees no namespace

  // Runs are spawned by a small launcher process, not forked from the server: a fork's cost grows with
  // the server's resident memory and is paid on its event loop (README, "Event-loop work per run").
  let launcher: Launcher | null = new Launcher({ reaper: findExecutable('tini') });
  try {
    await launcher.start();
    layers.process.detail += `; runs spawned by a launcher process (pid ${launcher.pid})${
      launcher.reaped
        ? ' under tini -s, which reaps their orphans'
        : '; tini not found: orphans of runs go to PID 1, which must reap them (apt-get install tini)'
    }`;
  } catch (error) {
    await launcher.close();
    launcher = null;
    layers.process.detail += `; launcher unavailable (${(error as Error).message}): runs spawned directly by the server`;
  }
  return { layers, disk, usage, cgroups, bwrap, setpriv, init: initPath, warmBox, launcher };
}
