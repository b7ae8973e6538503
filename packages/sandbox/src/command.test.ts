import { describe, expect, it } from 'vitest';
import { buildCommand, type CommandPlan, shellQuote } from './command.ts';
import { defaultLimits } from './limits.ts';

const layout = { common: ['--unshare-user', '--proc', '/proc'], network: ['--share-net'], skipped: [] };
const plan = (over: Partial<CommandPlan> = {}): CommandPlan => ({
  argv: ['python3', 'main.py'],
  box: { dir: '/w/sandbox-1/box-3', uid: 60003 },
  cwd: '/w/sandbox-1/box-3',
  limits: defaultLimits,
  env: {},
  readOnlyPaths: [],
  cgroup: null,
  bwrap: { path: '/usr/bin/bwrap', layout, seccomp: '/w/sandbox-1/seccomp.bpf' },
  init: '/w/.box-init-abc',
  setpriv: '/usr/bin/setpriv',
  stdin: false,
  otherTasks: 0,
  ...over,
});
/** The wrapper script and the argv it execs. */
const split = (args: string[]) => ({ script: args[1] as string, exec: args.slice(3) });

describe('buildCommand', () => {
  it('binds the box at /box, starts in it, and runs the program under box-init as PID 1', () => {
    const command = buildCommand(plan({ cwd: '/w/sandbox-1/box-3/src' }));
    const { exec } = split(command.request.args);
    expect(exec[0]).toBe('/usr/bin/bwrap');
    expect(exec.join(' ')).toContain('--bind /w/sandbox-1/box-3 /box');
    expect(exec.join(' ')).toContain('--chdir /box/src');
    expect(exec.join(' ')).toContain('--ro-bind /w/.box-init-abc /run/box-init');
    const inner = exec.slice(exec.indexOf('--as-pid-1') + 2);
    expect(inner).toEqual(['/run/box-init', '--nproc', '65', '--memory', '268435456', '--', 'python3', 'main.py']);
    expect(command.request.env).toMatchObject({ HOME: '/box', TMPDIR: '/tmp', LANG: 'C.UTF-8' });
    expect(command.request.cwd).toBe('/w/sandbox-1/box-3');
    expect(command).toMatchObject({ proof: 'ran', wrapped: true, initIsChild: true });
    // Dropped to the box uid by the spawn itself (no cgroup to join as root).
    expect(command.request).toMatchObject({ uid: 60003, gid: 60003, stdin: false });
  });

  it('hands bwrap the seccomp filter on fd 9, opened by the wrapper for the exec alone', () => {
    const { script, exec } = split(buildCommand(plan()).request.args);
    expect(exec.slice(exec.indexOf('--seccomp'), exec.indexOf('--seccomp') + 2)).toEqual(['--seccomp', '9']);
    expect(script.split('\n').at(-1)).toBe(`exec "$@" 9<'/w/sandbox-1/seccomp.bpf'`);
  });

  it('leaves RLIMIT_NPROC to the pids cgroup and joins the cgroups first', () => {
    const cgroup = { joinFiles: ['/sys/fs/cgroup/pids/x/tasks'], joinPid: '0', joinNeedsRoot: false };
    const { script, exec } = split(buildCommand(plan({ cgroup })).request.args);
    expect(script.split('\n')[1]).toBe(`echo 0 > '/sys/fs/cgroup/pids/x/tasks' || f 'cannot join cgroup'`);
    expect(script).not.toContain('ulimit -d');
    expect(script).not.toContain('ulimit -p');
    expect(exec.slice(exec.indexOf('--as-pid-1') + 2)).toEqual(['/run/box-init', '--', 'python3', 'main.py']);
  });

  it('drops to the box uid with setpriv when joining a v2 cgroup needs root', () => {
    const cgroup = { joinFiles: ['/sys/fs/cgroup/x/cgroup.procs'], joinPid: '$$', joinNeedsRoot: true };
    const command = buildCommand(plan({ cgroup }));
    expect(command.request.uid).toBeUndefined();
    expect(split(command.request.args).script.split('\n').at(-1)).toBe(
      `exec /usr/bin/setpriv --reuid=60003 --regid=60003 --clear-groups --inh-caps=-all --bounding-set=-all -- "$@" 9<'/w/sandbox-1/seccomp.bpf'`,
    );
  });

  it('sets the rlimits of the limits in force', () => {
    const limits = {
      ...defaultLimits,
      cpuTimeMs: 1500,
      openFiles: 64,
      fileSizeBytes: 1024 * 1024,
      memoryBytes: 64 << 20,
    };
    const { script } = split(buildCommand(plan({ limits })).request.args);
    expect(script).toContain('ulimit -S -t 2 && ulimit -H -t 3');
    expect(script).toContain('ulimit -n 64');
    expect(script).toContain('ulimit -f 2048');
    // box-init enforces the memory limit in the namespace; RLIMIT_DATA is a backstop 2 GiB above it.
    expect(script).toContain(`ulimit -d ${65536 + 2 * 1024 * 1024}`);
    expect(split(buildCommand(plan({ limits, init: null })).request.args).script).toContain('ulimit -d 65536');
    expect(split(buildCommand(plan({ limits, bwrap: null })).request.args).script).toContain('ulimit -d 65536');
    expect(script).toContain('ulimit -c 0');
  });

  it('without namespaces, execs box-init at the host path with RLIMIT_NPROC counting the other tasks', () => {
    const command = buildCommand(plan({ bwrap: null, box: { dir: '/w/b', uid: null }, cwd: '/w/b', otherTasks: 7 }));
    const { script, exec } = split(command.request.args);
    expect(exec).toEqual(['/w/.box-init-abc', '--', 'python3', 'main.py']);
    expect(script).toContain('ulimit -p 72');
    expect(script.split('\n').at(-1)).toBe('exec "$@"');
    expect(command.request.env).toMatchObject({ HOME: '/w/b', TMPDIR: '/w/b' });
    expect(command).toMatchObject({ proof: 'ran', initIsChild: false });
  });

  it("falls back to shells without box-init: `ran` from bwrap's shell, `times` from the wrapper", () => {
    const namespaced = buildCommand(plan({ init: null }));
    const { exec } = split(namespaced.request.args);
    expect(exec.slice(exec.indexOf('--as-pid-1') + 2, -2)).toEqual([
      '/bin/sh',
      '-c',
      `ulimit -p 65 || { echo 'sandbox: ulimit -p' >&3; exit 125; }; "$@" 3>&-; s=$?; echo "ran $s" >&3; exit $s`,
      'sh',
    ]);
    expect(namespaced.proof).toBe('ran');
    const basic = buildCommand(plan({ init: null, bwrap: null }));
    expect(split(basic.request.args).script.split('\n').at(-1)).toBe('"$@" 3>&-; s=$?; times >&3; exit $s');
    expect(basic.proof).toBe('times');
    const direct = buildCommand(
      plan({ init: null, bwrap: null, cgroup: { joinFiles: [], joinPid: '0', joinNeedsRoot: false } }),
    );
    expect(direct).toMatchObject({ proof: null, wrapped: false });
  });

  it('binds the network files only when the run may use the network', () => {
    const offline = split(buildCommand(plan()).request.args).exec;
    expect(offline).toContain('--unshare-net');
    const online = split(buildCommand(plan({ limits: { ...defaultLimits, network: true } })).request.args).exec;
    expect(online).not.toContain('--unshare-net');
    expect(online).toContain('--share-net');
  });

  it('quotes paths for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
