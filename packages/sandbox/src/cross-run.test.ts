// State that must not cross from one run to the next in the same box: files, SysV and POSIX IPC, keys,
// background processes and their sockets, processes to trace, open fds. Each case plants something in one
// run, resets the box as a server does, and looks from the next run. At levels namespaces and full, each
// with warm boxes (one long-lived sandbox per box) and cold ones (one bwrap per run).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Box } from './box.ts';
import {
  expectNothingLeft,
  expectRunsOnItsPath,
  hasGcc,
  levels,
  makeSandbox,
  requireLevel,
  runPidsOf,
  type SkippableContext,
  sharedCProgram,
  type TestSandbox,
} from './test-support.ts';

const name = `xrun-${process.pid}`; // what the runs plant: files, a queue, a key
const daemonName = 'xrun-daemon'; // the daemon's comm, looked for among every process of the host

// One program, a mode per case; errors by name (ENOENT), so that the outcomes compare as text.
const source = String.raw`#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY 0x5852554e
#define PORT 47123
static const char *res(long r) { return r >= 0 ? "ok" : strerrorname_np(errno); }
static int rows(const char *kind) {
  char file[64];
  snprintf(file, sizeof file, "/proc/sysvipc/%s", kind);
  FILE *f = fopen(file, "r");
  if (!f) return -1;
  int n = -1, c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}
static socklen_t unix_address(struct sockaddr_un *a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path + 1, "sandbox-cross-run"); // abstract: sun_path[0] is 0
  return offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sandbox-cross-run");
}
static struct sockaddr_in loopback(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(0x7f000001)};
  return a;
}
static void connect_both(void) {
  struct sockaddr_in in = loopback();
  struct sockaddr_un un;
  socklen_t len = unix_address(&un);
  int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_UNIX, SOCK_STREAM, 0);
  printf("tcp %s\n", res(connect(t, (struct sockaddr *)&in, sizeof in)));
  printf("unix %s\n", res(connect(u, (struct sockaddr *)&un, len)));
}
static long search(long keyring, const char *desc) { return syscall(SYS_keyctl, KEYCTL_SEARCH, keyring, "user", desc, 0); }
static void keys(const char *desc) {
  printf("search @s %s\n", res(search(KEY_SPEC_SESSION_KEYRING, desc)));
  printf("search @u %s\n", res(search(KEY_SPEC_USER_KEYRING, desc)));
  FILE *f = fopen("/proc/keys", "r");
  char line[512];
  int n = 0;
  while (f && fgets(line, sizeof line, f)) n += strstr(line, desc) != NULL;
  printf("/proc/keys %d\n", f ? n : -1);
}
int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "", *arg = argc > 2 ? argv[2] : "";
  if (!strcmp(mode, "sysv-make") || !strcmp(mode, "sysv-look")) {
    int flags = mode[5] == 'm' ? IPC_CREAT | 0600 : 0;
    printf("shmget %s\n", res(shmget(KEY, 4096, flags)));
    printf("semget %s\n", res(semget(KEY, 1, flags)));
    printf("msgget %s\n", res(msgget(KEY, flags)));
    printf("rows %d %d %d\n", rows("shm"), rows("sem"), rows("msg"));
  } else if (!strcmp(mode, "mq-make")) {
    mqd_t q = mq_open(arg, O_CREAT | O_RDWR, 0600, NULL);
    printf("mq_open %s\n", res(q));
    printf("mq_send %s\n", res(mq_send(q, "x", 1, 0)));
  } else if (!strcmp(mode, "mq-look")) {
    printf("mq_open %s\n", res(mq_open(arg, O_RDONLY)));
  } else if (!strcmp(mode, "key-add")) {
    printf("add_key @s %s\n", res(syscall(SYS_add_key, "user", arg, "v", 1, KEY_SPEC_SESSION_KEYRING)));
    printf("add_key @u %s\n", res(syscall(SYS_add_key, "user", arg, "v", 1, KEY_SPEC_USER_KEYRING)));
    keys(arg);
  } else if (!strcmp(mode, "key-look")) {
    keys(arg);
  } else if (!strcmp(mode, "daemon")) {
    int ready[2];
    if (pipe(ready) != 0) return 2;
    if (fork() == 0) {
      setsid();
      if (fork() != 0) _exit(0);
      prctl(PR_SET_NAME, "${daemonName}");
      struct sockaddr_in in = loopback();
      struct sockaddr_un un;
      socklen_t len = unix_address(&un);
      int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_UNIX, SOCK_STREAM, 0);
      int ok = bind(t, (struct sockaddr *)&in, sizeof in) == 0 && listen(t, 8) == 0 &&
               bind(u, (struct sockaddr *)&un, len) == 0 && listen(u, 8) == 0;
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0), dup2(null, 1), dup2(null, 2);
      write(ready[1], ok ? "y" : "n", 1);
      for (;;) pause();
    }
    close(ready[1]);
    char c = 0;
    read(ready[0], &c, 1);
    printf("daemon %s\n", c == 'y' ? "listening" : "failed");
    connect_both();
  } else if (!strcmp(mode, "connect")) {
    connect_both();
  } else if (!strcmp(mode, "ptrace")) {
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
      int pid = atoi(entry->d_name);
      if (pid <= 0 || pid == getpid()) continue;
      char file[64], comm[64] = "?";
      snprintf(file, sizeof file, "/proc/%d/comm", pid);
      FILE *f = fopen(file, "r");
      if (f && fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
      if (f) fclose(f);
      long seized = ptrace(PTRACE_SEIZE, pid, 0, 0);
      const char *seize = res(seized);
      if (seized == 0) ptrace(PTRACE_DETACH, pid, 0, 0);
      long attached = ptrace(PTRACE_ATTACH, pid, 0, 0);
      const char *attach = res(attached);
      if (attached == 0) waitpid(pid, NULL, __WALL), ptrace(PTRACE_DETACH, pid, 0, 0);
      printf("ptrace %d %s %s %s\n", pid, comm, seize, attach);
    }
    printf("/proc/1/mem O_RDWR %s\n", res(open("/proc/1/mem", O_RDWR)));
    printf("/proc/1/mem O_WRONLY %s\n", res(open("/proc/1/mem", O_WRONLY)));
  } else if (!strcmp(mode, "fds")) {
    int own = open("/dev/null", O_RDONLY); // no O_CLOEXEC: the scan below must see it, then it is closed
    int seen = own >= 3 && fcntl(own, F_GETFD) != -1;
    close(own);
    printf("self-check %s\n", seen ? "ok" : "failed");
    for (int fd = 3; fd < 1024; fd++) {
      if (fcntl(fd, F_GETFD) == -1) continue;
      char link[64], target[256];
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t got = readlink(link, target, sizeof target - 1);
      target[got < 0 ? 0 : got] = 0;
      printf("open %d %s\n", fd, target);
    }
  } else {
    return 2;
  }
  return 0;
}
`;

// Compiled once for every sandbox below, outside the boxes, and bound read-only (into the warm boxes as well, so
// that the runs that use it stay on the warm path).
const { dir: tools, build: xrun } = sharedCProgram('xrun', source);

/** Processes of the host whose name is the daemon's. */
function daemons(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === daemonName) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

const variants = levels
  .filter(({ level }) => level !== 'basic')
  .flatMap(({ level, disable }) => [true, false].map((warm) => ({ level, disable, warm })));

describe.each(variants)('nothing crosses from one run to the next at level $level (warm: $warm)', (variant) => {
  let t: TestSandbox;
  let box: Box;

  beforeAll(async () => {
    t = await makeSandbox(variant.disable, 1, { warm: variant.warm });
    t.sandbox.setWarmPaths([tools]);
    box = await t.sandbox.createBox(0);
    const { runPath } = t.sandbox.isolation;
    console.info(`[sandbox test] warm: ${variant.warm}: run path ${runPath.kind} (${runPath.detail})`);
  });

  it(`takes the ${variant.warm ? 'warm' : 'cold'} path`, (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    // Where bwrap works and cc built warm-box, a warm box must work (cgroup v1 and v2): a fall-back to cold
    // here is a fault.
    const { runPath } = t.sandbox.isolation;
    expect(runPath.kind, runPath.detail).toBe(variant.warm && hasGcc() ? 'warm' : 'cold');
  });

  afterEach(async () => {
    await expectNothingLeft(box);
  });

  afterAll(async () => {
    if (t) expectRunsOnItsPath(t.sandbox);
    await t?.cleanup();
  });

  // The programs' directory is mounted at its host path (under /tmp) only for the runs that need it.
  const run = (argv: [string, ...string[]], readOnlyPaths = [tools]) =>
    t.sandbox.run({ box, argv, readOnlyPaths, limits: { wallTimeMs: 10_000 } });

  /** Between two runs, as a server does: reset() kills what is left and empties the box. */
  async function between() {
    await box.reset();
    expect(readdirSync(box.dir)).toEqual([]);
  }

  async function ready(ctx: SkippableContext): Promise<string> {
    requireLevel(ctx, t.sandbox, variant.level);
    return xrun(ctx);
  }

  it('leaves no file in /tmp, /dev/shm, /dev or the box dir to the next run', async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    const planted = await run(
      [
        'sh',
        '-c',
        [
          `echo a > /tmp/${name} && mkdir /tmp/d && echo b > /tmp/d/f && echo tmp planted`,
          `echo c > /dev/shm/${name} && echo shm planted`,
          `if (echo d > /dev/${name}) 2>/dev/null; then echo dev planted; else echo dev refused; fi`,
          `echo e > ${name} && echo box planted`,
        ].join('\n'),
      ],
      [],
    );
    expect(planted).toMatchObject({ status: 'ok', stderr: '' });
    expect(planted.stdout).toMatch(/^tmp planted\nshm planted\ndev (planted|refused)\nbox planted\n$/);
    expect(readFileSync(path.join(box.dir, name), 'utf8')).toBe('e\n');
    for (const where of ['/tmp', '/dev/shm', '/dev']) expect(existsSync(path.join(where, name))).toBe(false);
    await between();
    const seen = await run(
      [
        'sh',
        '-c',
        [
          `for p in /tmp/${name} /tmp/d /dev/shm/${name} /dev/${name} ${name}; do test -e "$p" && echo "$p survived"; done`,
          // (A warm box binds the tools' directory on every run's /tmp.)
          `echo "tmp: $(ls -A /tmp | grep -v '^${path.basename(tools)}$')"; echo "shm: $(ls -A /dev/shm)"; echo "box: $(ls -A)"`,
        ].join('\n'),
      ],
      [],
    );
    expect(seen).toMatchObject({ status: 'ok', stdout: 'tmp: \nshm: \nbox: \n', stderr: '' });
  });

  it('leaves no SysV shared memory, semaphore or message queue to the next run', async (ctx) => {
    const program = await ready(ctx);
    // ipcs lists keys in hex: the plant must show there, and be gone from the next run's listing.
    const ipcs = (mode: string) => run(['sh', '-c', '"$0" "$1" && ipcs | grep -ci 0x5852554e; true', program, mode]);
    const made = await ipcs('sysv-make');
    expect(made).toMatchObject({
      status: 'ok',
      stdout: 'shmget ok\nsemget ok\nmsgget ok\nrows 1 1 1\n3\n',
      stderr: '',
    });
    await between();
    const seen = await ipcs('sysv-look');
    expect(seen).toMatchObject({
      status: 'ok',
      stdout: 'shmget ENOENT\nsemget ENOENT\nmsgget ENOENT\nrows 0 0 0\n0\n',
      stderr: '',
    });
  });

  it('leaves no POSIX message queue to the next run', async (ctx) => {
    const program = await ready(ctx);
    const made = await run([program, 'mq-make', `/${name}`]);
    expect(made).toMatchObject({ status: 'ok', stdout: 'mq_open ok\nmq_send ok\n', stderr: '' });
    await between();
    const seen = await run([program, 'mq-look', `/${name}`]);
    expect(seen).toMatchObject({ status: 'ok', stdout: 'mq_open ENOENT\n', stderr: '' });
    expect(existsSync(`/dev/mqueue/${name}`)).toBe(false); // nor did it reach the host
  });

  it('leaves no key in the session or user keyring to the next run (or denies keys altogether)', async (ctx) => {
    const program = await ready(ctx);
    // The server may have a session keyring of its own: only our key is looked for, never an empty keyring.
    const filtered = /seccomp filter: \d+ syscalls denied/.test(t.sandbox.isolation.layers.namespaces.detail);
    const made = await run([program, 'key-add', name]);
    const seen = () => run([program, 'key-look', name]);
    if (filtered) {
      // The filter denies add_key and keyctl: nothing can be planted, nor looked up.
      expect(made).toMatchObject({
        status: 'ok',
        stdout: 'add_key @s EPERM\nadd_key @u EPERM\nsearch @s EPERM\nsearch @u EPERM\n/proc/keys 0\n',
      });
      await between();
      expect(await seen()).toMatchObject({
        status: 'ok',
        stdout: 'search @s EPERM\nsearch @u EPERM\n/proc/keys 0\n',
      });
    } else {
      expect(made).toMatchObject({
        status: 'ok',
        stdout: 'add_key @s ok\nadd_key @u ok\nsearch @s ok\nsearch @u ok\n/proc/keys 2\n',
      });
      await between();
      expect(await seen()).toMatchObject({
        status: 'ok',
        stdout: 'search @s ENOKEY\nsearch @u ENOKEY\n/proc/keys 0\n',
      });
    }
    // Nor did the key reach the host's /proc/keys (root sees every key).
    expect(readFileSync('/proc/keys', 'utf8')).not.toContain(name);
  });

  it('leaves no daemon to the next run: its TCP port and abstract socket refuse, no process survives', async (ctx) => {
    const program = await ready(ctx);
    const started = Date.now();
    const made = await run([program, 'daemon']);
    expect(made).toMatchObject({ status: 'ok', stdout: 'daemon listening\ntcp ok\nunix ok\n', stderr: '' });
    expect(Date.now() - started).toBeLessThan(8_000); // the run ended with its program, not with the daemon
    expect(daemons()).toEqual([]);
    expect(await runPidsOf(box)).toEqual([]);
    await between();
    const seen = await run([program, 'connect']);
    expect(seen).toMatchObject({ status: 'ok', stdout: 'tcp ECONNREFUSED\nunix ECONNREFUSED\n', stderr: '' });
    expect(daemons()).toEqual([]);
  });

  it('reaches no other process with ptrace, and cannot open /proc/1/mem for writing', async (ctx) => {
    const program = await ready(ctx);
    const sleeper = await run(['sh', '-c', 'sleep 1000 & echo started']);
    expect(sleeper).toMatchObject({ status: 'ok', stdout: 'started\n' });
    await between();
    const probe = await run([program, 'ptrace']);
    expect(probe).toMatchObject({ status: 'ok', stderr: '' });
    const lines = probe.stdout.trim().split('\n');
    const traced = lines.filter((line) => line.startsWith('ptrace ')).map((line) => line.split(' '));
    // Reached: a process traced, or one of the last run's even visible. /proc/1/mem: the run's waiter's memory.
    expect({
      tried1: traced.some(([, pid]) => pid === '1'),
      reached: traced.filter(([, , comm, ...results]) => comm === 'sleep' || results.includes('ok')),
      mem: lines.filter((line) => line.startsWith('/proc/1/mem ')),
    }).toEqual({
      tried1: true,
      reached: [],
      mem: [expect.stringMatching(/^\/proc\/1\/mem O_RDWR E[A-Z]+$/), expect.stringMatching(/O_WRONLY E[A-Z]+$/)],
    });
  });

  it('hands the program no open fd but 0, 1 and 2, in the first run and the next', async (ctx) => {
    const program = await ready(ctx);
    for (const which of ['first', 'next']) {
      const fds = await run([program, 'fds']);
      expect(fds, `${which} run`).toMatchObject({ status: 'ok', stdout: 'self-check ok\n', stderr: '' });
      await between();
    }
  });

  it('starts the program with no signal blocked or ignored (a warm init ignores SIGPIPE for itself)', async (ctx) => {
    requireLevel(ctx, t.sandbox, variant.level);
    for (const which of ['first', 'next']) {
      const status = await run(['grep', '-E', '^Sig(Blk|Ign):', '/proc/self/status']);
      expect(status.stdout, `${which} run`).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
      await between();
    }
  });
});
