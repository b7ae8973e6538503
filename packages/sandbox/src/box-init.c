// box-init: the parent of a run's program inside its box (PID 1 of bwrap's namespace, or the waiting
// process without one). It starts the program, forwards the signals the server sends it, reaps every
// orphan, and, once the program has ended, reports on fd 3 how it ended and what the run used:
//
//   ran <exit status or -1> <signal number or 0> <user CPU µs> <system CPU µs> <peak resident KiB>
//
// and exits with the program's status (128 + the signal number when it was killed, as a shell does). The figures are the kernel's rusage of every
// process waited for: the program and the orphans reaped so far. The program never gets fd 3.
//
// Usage: box-init [--nproc N] -- program [args...]
//   --nproc N  RLIMIT_NPROC, set here so that inside a user namespace the kernel counts this run's tasks alone.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { control = 3, failed = 125 };

static volatile pid_t program = 0;
static int group = 0; // the program leads its own process group: signals go to all of it

static void forward(int sig) {
  if (program > 0) kill(group ? -program : program, sig);
}

static int fail(const char *what) {
  dprintf(control, "sandbox: box-init: %s: %s\n", what, strerror(errno));
  return failed;
}

static long micros(struct timeval tv) { return tv.tv_sec * 1000000L + tv.tv_usec; }

int main(int argc, char **argv) {
  int next = 1;
  long nproc = -1;
  while (next < argc && strcmp(argv[next], "--") != 0) {
    if (strcmp(argv[next], "--nproc") == 0 && next + 1 < argc) {
      char *end;
      nproc = strtol(argv[next + 1], &end, 10);
      if (*end != '\0' || nproc < 0) {
        dprintf(control, "sandbox: box-init: bad --nproc %s\n", argv[next + 1]);
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
  // Orphans of the program are reparented here (not to a PID 1 that may never reap them) and counted.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return fail("PR_SET_CHILD_SUBREAPER");
  if (nproc >= 0) {
    struct rlimit limit = {(rlim_t)nproc, (rlim_t)nproc};
    if (setrlimit(RLIMIT_NPROC, &limit) != 0) return fail("RLIMIT_NPROC");
  }
  // As PID 1 of a namespace the kernel delivers only signals with a handler: every catchable one but the
  // faults (a fault of our own must not loop through the handler) is forwarded.
  group = getpid() == 1;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = forward;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig = 1; sig < 32; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
        sig == SIGILL || sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT)
      continue;
    sigaction(sig, &action, NULL);
  }

  pid_t pid = fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    if (group) setpgid(0, 0);
    // exec resets the handlers; the ones ignored before us stay ignored, as for any program.
    execvp(command[0], command);
    int error = errno;
    fprintf(stderr, "%s: %s\n", command[0], error == ENOENT ? "command not found" : strerror(error));
    _exit(error == ENOENT ? 127 : 126);
  }
  program = pid;

  int status = 0;
  for (;;) {
    int got;
    pid_t done = waitpid(-1, &got, 0);
    if (done == pid) {
      status = got;
      break;
    }
    if (done < 0 && errno == ECHILD) return fail("the program vanished");
  }
  // Orphans already dead are counted too; live ones are killed with the namespace (or by the server).
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  struct rusage usage;
  getrusage(RUSAGE_CHILDREN, &usage);
  int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  dprintf(control, "ran %d %d %ld %ld %ld\n", signal ? -1 : WEXITSTATUS(status), signal, micros(usage.ru_utime),
          micros(usage.ru_stime), usage.ru_maxrss);
  return signal ? 128 + signal : WEXITSTATUS(status);
}
