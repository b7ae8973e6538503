// box-init: the parent of a run's program inside its box (PID 1 of bwrap's namespace, or the waiting
// process without one). It starts the program, forwards the signals the server sends it, reaps every
// orphan, and, once the program has ended, reports on fd 3 how it ended and what the run used:
//
//   ran <exit status or -1> <signal number or 0> <user CPU µs> <system CPU µs> <peak KiB> <1 if over --memory>
//
// and exits with the program's status (128 + the signal number when it was killed, as a shell does). The figures are the kernel's rusage of every
// process waited for: the program and the orphans reaped so far. The program never gets fd 3.
//
// Usage: box-init [--nproc N] [--memory BYTES] -- program [args...]
//   --nproc N       RLIMIT_NPROC, set here so that inside a user namespace the kernel counts this run's tasks alone.
//   --memory BYTES  as PID 1 of a pid namespace (whose /proc lists this run alone): the memory limit where no
//                   cgroup enforces one. The anonymous resident memory of all the run's processes is summed every
//                   10 ms; past BYTES every process of the namespace is killed and the report says so. The peak
//                   reported is then the largest sum seen (or the largest single process's, if larger).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { control = 3, failed = 125 };

static volatile pid_t program = 0;
static int group = 0; // the program leads its own process group: signals go to all of it

// SIGKILL and SIGSTOP cannot be caught to be forwarded: the server asks for them by proxy, with the two
// highest real-time signals (supervise.ts, byProxy).
enum { proxyKill = 64, proxyStop = 63 };

static void forward(int sig) {
  if (sig == proxyKill) sig = SIGKILL;
  else if (sig == proxyStop) sig = SIGSTOP;
  if (program > 0) kill(group ? -program : program, sig);
}

static int fail(const char *what) {
  dprintf(control, "sandbox: box-init: %s: %s\n", what, strerror(errno));
  return failed;
}

static long micros(struct timeval tv) { return tv.tv_sec * 1000000L + tv.tv_usec; }

// Anonymous resident bytes of every process in /proc (resident minus file-backed and shared pages, from statm):
// what the run itself allocated, each page once, unlike a sum of RSS that counts shared libraries again and again.
static long long anonymous_bytes(void) {
  static long page = 0;
  if (page == 0) page = sysconf(_SC_PAGESIZE);
  long long total = 0;
  DIR *proc = opendir("/proc");
  if (!proc) return 0;
  struct dirent *entry;
  while ((entry = readdir(proc))) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    char path[300], text[128];
    snprintf(path, sizeof path, "/proc/%s/statm", entry->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0) continue;
    text[got] = '\0';
    long size, resident, shared;
    if (sscanf(text, "%ld %ld %ld", &size, &resident, &shared) == 3 && resident > shared)
      total += (long long)(resident - shared) * page;
  }
  closedir(proc);
  return total;
}

int main(int argc, char **argv) {
  int next = 1;
  long nproc = -1;
  long long memory = -1;
  while (next < argc && strcmp(argv[next], "--") != 0) {
    if (strcmp(argv[next], "--nproc") == 0 && next + 1 < argc) {
      char *end;
      nproc = strtol(argv[next + 1], &end, 10);
      if (*end != '\0' || nproc < 0) {
        dprintf(control, "sandbox: box-init: bad --nproc %s\n", argv[next + 1]);
        return failed;
      }
      next += 2;
    } else if (strcmp(argv[next], "--memory") == 0 && next + 1 < argc) {
      char *end;
      memory = strtoll(argv[next + 1], &end, 10);
      if (*end != '\0' || memory < 0) {
        dprintf(control, "sandbox: box-init: bad --memory %s\n", argv[next + 1]);
        return failed;
      }
      next += 2;
    } else {
      dprintf(control, "sandbox: box-init: unknown option %s\n", argv[next]);
      return failed;
    }
  }
  if (next + 1 >= argc) {
    dprintf(control, "sandbox: box-init: usage: box-init [--nproc N] -- program [args...]\n");
    return failed;
  }
  char **command = argv + next + 1;

  if (fcntl(control, F_SETFD, FD_CLOEXEC) != 0) return fail("fd 3");
  // Nothing but 0-2 reaches the program: descriptors the server inherited without close-on-exec stay here.
  if (syscall(SYS_close_range, control + 1, ~0U, 0) != 0) {
    for (int fd = control + 1; fd < 1024; fd++) close(fd);
  }
  // Not dumpable: the program runs as our uid and could otherwise ptrace us or write /proc/1/mem, and forge
  // the report (or, without cgroups, stop the memory check). It gets a dumpable flag of its own at exec.
  if (prctl(PR_SET_DUMPABLE, 0) != 0) return fail("PR_SET_DUMPABLE");
  // A new session keyring of its own (bwrap gives none), where the syscall filter lets keys be used at all.
  syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
  // Orphans of the program are reparented here (not to a PID 1 that may never reap them) and counted.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return fail("PR_SET_CHILD_SUBREAPER");
  if (nproc >= 0) {
    struct rlimit limit = {(rlim_t)nproc, (rlim_t)nproc};
    if (setrlimit(RLIMIT_NPROC, &limit) != 0) return fail("RLIMIT_NPROC");
  }
  // As PID 1 of a namespace the kernel delivers only signals with a handler: every catchable one but the
  // faults (a fault of our own must not loop through the handler) is forwarded.
  group = getpid() == 1;
  if (memory >= 0 && !group) {
    dprintf(control, "sandbox: box-init: --memory needs a pid namespace of its own\n");
    return failed;
  }
  // The forwarded signals stay blocked until the program exists: one sent before (a warm box's init blocks
  // them from its clone on, so they wait as pending across the exec of box-init) is forwarded then, not lost.
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int sig = 1; sig < 32; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
        sig == SIGILL || sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT)
      continue;
    sigaddset(&forwarded, sig);
  }
  sigaddset(&forwarded, proxyKill);
  sigaddset(&forwarded, proxyStop);
  sigprocmask(SIG_SETMASK, &forwarded, NULL); // and nothing else blocked: a fault of our own is not held back
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = forward;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig = 1; sig < 65; sig++) {
    if (sigismember(&forwarded, sig) == 1) sigaction(sig, &action, NULL);
  }

  // SIGCHLD is waited for with sigtimedwait: an exit wakes the loop at once, the memory check every 10 ms.
  sigset_t children, none;
  sigemptyset(&children);
  sigaddset(&children, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &children, NULL);
  pid_t pid = fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &none, NULL); // exec keeps the mask: the program starts with none blocked
    if (group) setpgid(0, 0);
    // exec resets the handlers; the ones ignored before us stay ignored, as for any program.
    execvp(command[0], command);
    int error = errno;
    fprintf(stderr, "%s: %s\n", command[0], error == ENOENT ? "command not found" : strerror(error));
    _exit(error == ENOENT ? 127 : 126);
  }
  // Its group exists before anything is forwarded to it (it makes it itself too, whichever runs first).
  if (group) setpgid(pid, pid);
  program = pid;
  sigprocmask(SIG_UNBLOCK, &forwarded, NULL); // what came before the program is forwarded now

  int status = 0, ended = 0, over = 0;
  long long peak = 0;
  const struct timespec tick = {0, 10 * 1000 * 1000};
  while (!ended) {
    int got;
    pid_t done;
    while ((done = waitpid(-1, &got, WNOHANG)) > 0) {
      if (done == pid) {
        status = got;
        ended = 1;
      }
    }
    if (ended) break;
    if (done < 0 && errno == ECHILD) return fail("the program vanished");
    if (memory >= 0 && !over) {
      long long used = anonymous_bytes();
      if (used > peak) peak = used;
      if (used > memory) {
        over = 1;
        kill(-1, SIGKILL); // as PID 1: every other process of the namespace
      }
    }
    sigtimedwait(&children, NULL, memory >= 0 && !over ? &tick : NULL);
  }
  // Orphans already dead are counted too; live ones are killed with the namespace (or by the server).
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  struct rusage usage;
  getrusage(RUSAGE_CHILDREN, &usage);
  int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  long long peak_kib = peak / 1024 > usage.ru_maxrss ? peak / 1024 : usage.ru_maxrss;
  dprintf(control, "ran %d %d %ld %ld %lld %d\n", signal ? -1 : WEXITSTATUS(status), signal, micros(usage.ru_utime),
          micros(usage.ru_stime), peak_kib, over);
  return signal ? 128 + signal : WEXITSTATUS(status);
}
