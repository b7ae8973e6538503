// The floor of the sandbox bench: the cheapest way a program can start another and wait for it.
// Usage: spawn-floor RUNS PAUSE_MS FILE [ARG...]
// Runs FILE (an absolute path) RUNS times with posix_spawn + waitpid, its stdin/stdout/stderr on /dev/null;
// sleeps PAUSE_MS before each run (untimed: the idle figures); prints one line per run, the ms from just
// before posix_spawn to just after waitpid. Exits 1 when a run cannot start or does not exit 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s RUNS PAUSE_MS FILE [ARG...]\n", argv[0]);
    return 2;
  }
  long runs = strtol(argv[1], NULL, 10);
  long pause_ms = strtol(argv[2], NULL, 10);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  double *times = calloc(runs > 0 ? (size_t)runs : 1, sizeof(double));
  if (times == NULL) return 1;
  for (long i = 0; i < runs; i++) {
    if (pause_ms > 0) {
      struct timespec pause = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
      while (nanosleep(&pause, &pause) != 0) {
      }
    }
    double start = now_ms();
    pid_t pid;
    int err = posix_spawn(&pid, argv[3], &actions, NULL, argv + 3, environ);
    if (err != 0) {
      fprintf(stderr, "posix_spawn %s: error %d\n", argv[3], err);
      return 1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
    }
    times[i] = now_ms() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "%s: wait status %d\n", argv[3], status);
      return 1;
    }
  }
  // Printed at the end so that writing does not fall between runs.
  for (long i = 0; i < runs; i++) printf("%.4f\n", times[i]);
  return 0;
}
