// The seccomp filter against real programs: one run per denied family (seccomp/probe.c), each checked for
// the exact error the program sees, for a server and a box left as they were, and for a clean next run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import { sandboxPath } from './command.ts';
import { findExecutable } from './namespaces.ts';
import {
  expectNothingLeft,
  expectRunsOnItsPath,
  hasGcc,
  makeSandbox,
  readPromises,
  requireGcc,
  requireLevel,
  type TestSandbox,
} from './test-support.ts';

const x86 = process.arch === 'x64';
const probeSource = fileURLToPath(new URL('./seccomp/probe.c', import.meta.url));
const lines = (names: string[], result: string) => names.map((name) => `${name}: ${result}`);

// group of probe.c -> what each of its calls must answer inside the sandbox.
const families: Array<[string, string[]]> = [
  ['keys', lines(['keyctl', 'add_key', 'request_key'], 'EPERM')],
  ['io_uring', lines(['io_uring_setup', 'io_uring_enter', 'io_uring_register'], 'EPERM')],
  ['userfaultfd', lines(['userfaultfd'], 'EPERM')],
  ['bpf', lines(['bpf'], 'EPERM')],
  ['perf_event_open', lines(['perf_event_open'], 'EPERM')],
  ['kexec', lines(['kexec_load', 'kexec_file_load'], 'EPERM')],
  [
    'mount',
    lines(
      [
        'mount',
        'umount2',
        'pivot_root',
        'open_tree',
        'move_mount',
        'fsopen',
        'fsconfig',
        'fsmount',
        'fspick',
        'mount_setattr',
        'open_tree_attr',
      ],
      'EPERM',
    ),
  ],
  ['unshare', lines(['unshare(CLONE_NEWUSER)', 'unshare(CLONE_NEWNS)', 'unshare(CLONE_FILES)'], 'EPERM')],
  ['setns', lines(['setns(-1)', 'setns(net)'], 'EPERM')],
  [
    'clone',
    [
      ...lines(
        ['NEWUSER', 'NEWNS', 'NEWPID', 'NEWNET', 'NEWIPC', 'NEWUTS', 'NEWCGROUP'].map((f) => `clone(CLONE_${f})`),
        'EPERM',
      ),
      'clone(SIGCHLD): ok',
    ],
  ],
  ['clone3', ['clone3: ENOSYS', ...lines(['pthread_create', 'fork', 'posix_spawn'], 'ok')]],
  [
    'ptrace',
    lines(
      ['ptrace(PTRACE_TRACEME)', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise'],
      'EPERM',
    ),
  ],
  [
    'personality',
    [...lines(['personality(READ_IMPLIES_EXEC)', 'personality(ADDR_NO_RANDOMIZE)'], 'EPERM'), 'personality(query): ok'],
  ],
  [
    'modules',
    lines(
      [
        'init_module',
        'finit_module',
        'delete_module',
        ...(x86 ? ['create_module', 'get_kernel_syms', 'query_module'] : []),
      ],
      'EPERM',
    ),
  ],
  ['acct', lines(['acct'], 'EPERM')],
  ['swap', lines(['swapon', 'swapoff'], 'EPERM')],
  ['reboot', lines(['reboot'], 'EPERM')],
  ['clock', lines(['settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime'], 'EPERM')],
  ['handles', lines(['name_to_handle_at', 'open_by_handle_at'], 'EPERM')],
  ['lookup_dcookie', lines(['lookup_dcookie'], 'EPERM')],
  ['quota', lines(['quotactl', 'quotactl_fd'], 'EPERM')],
  ['obsolete', lines(['nfsservctl', ...(x86 ? ['_sysctl', 'sysfs', 'uselib', 'ustat'] : [])], 'EPERM')],
  ...(x86 ? [['ioports', lines(['iopl', 'ioperm'], 'EPERM')] as [string, string[]]] : []),
  ['numa', [...lines(['move_pages', 'migrate_pages'], 'EPERM'), 'get_mempolicy: ok']],
  ['system', lines(['syslog', 'vhangup', 'sethostname', 'setdomainname', 'fanotify_init'], 'EPERM')],
  ['lsm', lines(['lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules'], 'EPERM')],
  [
    'socket',
    [...lines(['socket(AF_ALG)', 'socket(AF_VSOCK)'], 'EPERM'), ...lines(['socket(AF_INET)', 'socket(AF_UNIX)'], 'ok')],
  ],
  // Other ABIs: a 64-bit x86 program can still enter the i386 table (int 0x80) and the x32 one.
  ...(x86
    ? ([
        ['i386', ['int 0x80 getpid: ENOSYS']],
        ['x32', ['x32 getpid: ENOSYS']],
      ] as Array<[string, string[]]>)
    : []),
];

describe('seccomp filter against hostile programs', () => {
  let t: TestSandbox;
  let box: Box;
  let bystander: Box;
  let tools: string;
  let probe = '';
  let launcherPid: number | null = null;
  const hostname = os.hostname();

  beforeAll(async () => {
    t = await makeSandbox();
    // Test programs live outside the box, readable by everyone, and are exposed read-only (bound into the
    // warm boxes too, so that the runs take the warm path where there is one).
    tools = mkdtempSync(path.join(os.tmpdir(), 'sandbox-seccomp-'));
    await execa('chmod', ['755', tools]);
    t.sandbox.setWarmPaths([tools]);
    box = await t.sandbox.createBox(0);
    bystander = await t.sandbox.createBox(1);
    launcherPid = t.sandbox.launcherPid;
    if (hasGcc()) {
      probe = path.join(tools, 'probe');
      await execa('gcc', ['-O1', '-pthread', '-o', probe, probeSource]);
    }
  });

  afterEach(async () => {
    // The next run in the same box is clean, nothing of the last one is left, and the server is unharmed.
    const next = await run(['sh', '-c', 'echo ok; ls -A']);
    expect(next).toMatchObject({ status: 'ok', stdout: 'ok\n', stderr: '' });
    await expectNothingLeft(box);
    const echo = await t.sandbox.run({ box: bystander, argv: ['echo', 'alive'] });
    expect(echo).toMatchObject({ status: 'ok', stdout: 'alive\n' });
    expect(t.sandbox.launcherPid).toBe(launcherPid); // the launcher did not die and was not restarted
    if (launcherPid !== null) expect(() => process.kill(launcherPid as number, 0)).not.toThrow();
    expect(os.hostname()).toBe(hostname);
  });

  afterAll(async () => {
    // The hostile programs ran on the path the sandbox reports (warm where the host allows it).
    if (t) expectRunsOnItsPath(t.sandbox);
    await t?.cleanup();
    rmSync(tools, { recursive: true, force: true });
  });

  const run = (argv: [string, ...string[]], more: Record<string, unknown> = {}) =>
    t.sandbox.run({ box, argv, readOnlyPaths: [tools], ...more });

  it.for(families)('denies %s', async ([group, expected], ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces');
    requireGcc(ctx);
    const before = Date.now();
    const result = await run([probe, group]);
    if (group === 'i386' && (await execa(probe, [group], { reject: false })).signal === 'SIGSEGV') {
      // This kernel has no i386 entry at all (IA32 emulation off): int 0x80 faults on the host too.
      expect(result).toMatchObject({ status: 'signaled', signal: 'SIGSEGV', stdout: '' });
      return;
    }
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${expected.join('\n')}\n`);
    expect(result).toMatchObject({ status: 'ok', exitCode: 0, signal: null });
    expect(Math.abs(Date.now() - before)).toBeLessThan(30_000); // the clock was not set
  });

  it('runs every program under the filter (seccomp mode 2) without handing it the filter fd', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces');
    const status = await run(['grep', 'Seccomp', '/proc/self/status']);
    expect(status).toMatchObject({ status: 'ok', stdout: 'Seccomp:\t2\nSeccomp_filters:\t1\n' });
    // The filter's fd is read and closed before the program starts: it does not hold it. The run's PID 1
    // (box-init) is not dumpable, so its descriptors cannot even be listed.
    const fds = await run(['sh', '-c', 'ls -l /proc/self/fd/; ls /proc/1/fd/ 2>&1; true']);
    expect(fds.status).toBe('ok');
    expect(fds.stdout).not.toMatch(/seccomp|\s9 ->/);
    expect(fds.stdout).toMatch(/\s0 ->/); // the listing itself worked
    expect(fds.stdout).toMatch(/\/proc\/1\/fd\/?'?: Permission denied/);
    expect(t.sandbox.isolation.layers.namespaces.detail).toMatch(/seccomp filter: \d+ syscalls denied/);
  });

  it('exposes no vhost, kvm, vsock or userfaultfd device (the filter leaves ioctl alone)', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces');
    const result = await run(['ls', '/dev']);
    expect(result.status).toBe('ok');
    expect(result.stdout.split('\n')).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(vhost|kvm|vsock|userfaultfd|mem|kmsg)/)]),
    );
  });

  it('leaves the runtimes working: Python, Node, the JVM, Go and Rust binaries', async (ctx) => {
    requireLevel(ctx, t.sandbox, 'namespaces');
    const limits = { cpuTimeMs: 20_000, wallTimeMs: 30_000, memoryBytes: 1024 << 20 };
    const python = await run(
      [
        'python3',
        '-c',
        [
          'import os, subprocess, threading',
          'out = []',
          't = threading.Thread(target=out.append, args=("thread",)); t.start(); t.join()',
          'pid = os.fork()',
          'if pid == 0: os._exit(3)',
          'assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 3',
          'print("python", out[0], subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())',
        ].join('\n'),
      ],
      { limits },
    );
    expect(python).toMatchObject({ status: 'ok', stdout: 'python thread child\n' });

    const skipped: string[] = [];
    // A runtime not installed is left out here, unless the environment promised its language (CI does).
    const missing = (language: string) => {
      if (readPromises().languages.includes(language)) {
        expect.fail(`${language} is promised (EXPECT_LANGUAGES) but its toolchain is missing`);
      }
      skipped.push(language);
    };
    // The sandbox's PATH, not the test's (which may hold a Node of its own, as in the v2 guest).
    if (findExecutable('node', sandboxPath.split(':')) === null) missing('javascript');
    else {
      // libuv may try io_uring for file I/O: refused, it falls back to its thread pool.
      const node = await run(
        [
          'node',
          '-e',
          `const { Worker } = require('node:worker_threads');
         const child = require('node:child_process').execFileSync('echo', ['child']).toString().trim();
         require('node:fs/promises').readFile('/etc/passwd', 'utf8').then((text) => {
           new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true })
             .on('message', (n) => console.log('node', n, child, text.length > 0));
         });`,
        ],
        { limits },
      );
      expect(node).toMatchObject({ status: 'ok', stdout: 'node 42 child true\n' });
    }

    const have = async (tool: string, args = ['--version']) =>
      (await execa(tool, args, { reject: false })).exitCode === 0;
    if (await have('javac')) {
      writeFileSync(
        path.join(tools, 'Hello.java'),
        'public class Hello { public static void main(String[] a) throws Exception { int[] n = {0}; Thread t = new Thread(() -> n[0] = 42); t.start(); t.join(); Process p = new ProcessBuilder("echo", "child").start(); System.out.println("java " + n[0] + " " + new String(p.getInputStream().readAllBytes()).trim() + " " + p.waitFor()); } }\n',
      );
      await execa('javac', ['-d', tools, path.join(tools, 'Hello.java')]);
      const java = await run(['java', '-Xshare:auto', '-cp', tools, 'Hello'], { limits });
      expect(java).toMatchObject({ status: 'ok', stdout: 'java 42 child 0\n' });
    } else missing('java');

    if (await have('go', ['version'])) {
      const source = path.join(tools, 'hello.go');
      writeFileSync(
        source,
        'package main\nimport ("fmt"; "os/exec"; "sync")\nfunc main() { var wg sync.WaitGroup; var mu sync.Mutex; n := 0\n for i := 0; i < 8; i++ { wg.Add(1); go func() { defer wg.Done(); mu.Lock(); n++; mu.Unlock() }() }\n wg.Wait(); out, err := exec.Command("echo", "child").Output(); if err != nil { panic(err) }\n fmt.Printf("go %d %s", n, out) }\n',
      );
      await execa('go', ['build', '-o', path.join(tools, 'gohello'), source], { cwd: tools });
      const go = await run([path.join(tools, 'gohello')], { limits });
      expect(go).toMatchObject({ status: 'ok', stdout: 'go 8 child\n' });
    } else missing('go');

    if (await have('rustc')) {
      const source = path.join(tools, 'hello.rs');
      writeFileSync(
        source,
        'fn main() { let n = std::thread::spawn(|| 42).join().unwrap(); let out = std::process::Command::new("echo").arg("child").output().unwrap(); print!("rust {} {}", n, String::from_utf8_lossy(&out.stdout)); }\n',
      );
      await execa('rustc', ['-O', '-o', path.join(tools, 'rusthello'), source], { cwd: tools });
      const rust = await run([path.join(tools, 'rusthello')], { limits });
      expect(rust).toMatchObject({ status: 'ok', stdout: 'rust 42 child\n' });
    } else missing('rust');
    if (skipped.length > 0) console.info(`[sandbox test] not installed here, not checked: ${skipped.join(', ')}`);
  }, 240_000);

  it('applies at the namespaces level (no cgroups) too', async (ctx) => {
    requireGcc(ctx);
    const other = await makeSandbox(['cgroups'], 1);
    try {
      requireLevel(ctx, other.sandbox, 'namespaces');
      const otherBox = await other.sandbox.createBox(0);
      const status = await other.sandbox.run({ box: otherBox, argv: ['grep', 'Seccomp', '/proc/self/status'] });
      expect(status).toMatchObject({ status: 'ok', stdout: 'Seccomp:\t2\nSeccomp_filters:\t1\n' });
      const unshare = await other.sandbox.run({ box: otherBox, argv: [probe, 'unshare'], readOnlyPaths: [tools] });
      const expected = families.find(([group]) => group === 'unshare')?.[1] ?? [];
      expect(unshare).toMatchObject({ status: 'ok', stdout: `${expected.join('\n')}\n` });
      await expectNothingLeft(otherBox);
    } finally {
      await other.cleanup();
    }
  });
});
