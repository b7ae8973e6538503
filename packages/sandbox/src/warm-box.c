// warm-box: the init of a box that outlives its runs.
//
//   warm-box serve SOCKET [SECCOMP_FD|- [KEEP...]]
//
// The command of a long-lived bubblewrap: the box's user, pid, IPC, UTS and network namespaces and its
// read-only view, with CAP_SYS_ADMIN and CAP_SETPCAP kept in its user namespace for this init alone. It
// listens on the unix socket SOCKET, says `ready` on fd 3, then serves one run at a time. Each run is cloned
// into a fresh pid, mount and IPC namespace with its own /proc, /tmp and /dev/shm and a read-only /dev; the
// read-only paths KEEP (those under /tmp) are bound again on the fresh /tmp; it gets new rlimits, emptied
// user keyrings and a new session keyring, no capability in any set, no_new_privs and the syscall filter
// read from SECCOMP_FD, and execs box-init, which waits for the program, reaps its orphans and reports.
// The next request is served only once the last run's namespace is empty. Never dumpable: a run of the
// same uid can neither ptrace it nor write its memory.
//
// A request is four connections to SOCKET (three without stdin), in any order, each opening with a 16-byte
// header: "WB3", its role, the request's 8-byte nonce, and a 32-bit length (the control connection's
// payload; 0 for the others). Roles: `C` control (`c`: the program gets no stdin, /dev/null), `I` the
// program's stdin, `O` its stdout, `E` its stderr, `P` a ping, answered `idle` between runs. The stream
// connections become the program's fds 0-2 as they are. The control payload is NUL-terminated strings:
// TMP_BYTES NOFILE FSIZE_BYTES CPU_SECONDS DATA_BYTES(-1: none) STACK_BYTES(-1: the init's own) CWD CGROUP
// ARGC box-init-args... env... CGROUP is empty, or (cgroup v2) the name of the run's fresh cgroup in the
// directory bound at /run/warm/cg: the run is cloned straight into it (CLONE_INTO_CGROUP, kernels from 5.7),
// so no process is ever moved (where a seccomp profile answers clone3 with ENOSYS, the run joins it itself
// before anything else). Each run gets its own cgroup namespace. During the run the server may send
// `k <signal number>` lines on it; closing it kills the run. At the end the box writes what box-init reported
// on its fd 3, then `exit <status>`, and closes every connection.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum { control = 3, failed = 125, maxPayload = 4 << 20 };
static const char *initPath = "/run/box-init";
static const char *warmDir = "/run/warm";
static const char *cgroupDir = "/run/warm/cg";

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#define WARM_CLONE_INTO_CGROUP 0x200000000ULL
// struct clone_args up to its `cgroup` field (CLONE_ARGS_SIZE_VER2), spelled out: not every libc declares it.
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static struct sock_fprog filter = {0, NULL};
// Read-only paths bound under /tmp (a toolchain's directory there): bound again on each run's fresh /tmp.
static char **kept = NULL;
static int keptCount = 0;

static void die(const char *what) {
  dprintf(2, "warm-box: %s: %s\n", what, strerror(errno));
  exit(failed);
}

static int write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t done = write(fd, data, size);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return -1;
    data += done;
    size -= (size_t)done;
  }
  return 0;
}

static int read_all(int fd, char *data, size_t size) {
  while (size > 0) {
    ssize_t got = read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    data += got;
    size -= (size_t)got;
  }
  return 0;
}

static int un_address(const char *path, struct sockaddr_un *address) {
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof address->sun_path) return -1;
  strcpy(address->sun_path, path);
  return 0;
}

// ---- the run, inside its fresh namespaces (PID 1 of the new pid namespace until it execs box-init) ----

struct request {
  long long tmp_bytes, nofile, fsize, cpu, data, stack;
  const char *cwd;
  const char *cgroup; // "" or the name of the run's cgroup under cgroupDir
  int join;           // the run joins its cgroup itself (no clone3 here: a seccomp profile answers ENOSYS)
  char **argv; // box-init's arguments, NULL-terminated
  char **env;
  char **strings; // what argv and env point into (freed after the run)
};

static void child_fail(int report, const char *what) {
  dprintf(report, "sandbox: warm-box: %s: %s\n", what, strerror(errno));
  _exit(failed);
}

static void set_limit(int report, int resource, long long soft, long long hard, const char *what) {
  struct rlimit limit = {(rlim_t)soft, (rlim_t)hard};
  if (setrlimit(resource, &limit) != 0) child_fail(report, what);
}

static void drop_capabilities(int report) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) child_fail(report, "ambient");
  for (int cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) child_fail(report, "bounding set");
  }
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct none[2];
  memset(none, 0, sizeof none);
  if (syscall(SYS_capset, &header, none) != 0) child_fail(report, "capset");
}

// Creates `path` (its parents as directories, itself as `like` is: a directory or an empty file) to mount on.
static int make_mount_point(const char *path, int like) {
  char copy[4096];
  if (strlen(path) >= sizeof copy) return -1;
  strcpy(copy, path);
  for (char *slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    if (mkdir(copy, 0755) != 0 && errno != EEXIST) return -1;
    *slash = '/';
  }
  struct stat st;
  if (fstat(like, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) return mkdir(copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
  int fd = open(copy, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

// A read-only remount of `path` keeping the flags it has: those bubblewrap's namespace locked cannot be cleared.
static int remount_readonly(const char *path) {
  struct statvfs now;
  if (statvfs(path, &now) != 0) return -1;
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID;
  const unsigned long kept[][2] = {{ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},       {ST_NOATIME, MS_NOATIME},
                                   {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
    if (now.f_flag & kept[i][0]) flags |= kept[i][1];
  return mount(NULL, path, NULL, flags, NULL);
}

static void run_child(const struct request *request, const int fds[3], int report) {
  char options[64];
  // The init ignores SIGPIPE for itself; exec would keep that for the run (`yes | head` would not end).
  signal(SIGPIPE, SIG_DFL);
  if (request->join) {
    // Before anything of the run: the child moves itself into the run's cgroup (one migration, as a cold run).
    char procs[4096];
    snprintf(procs, sizeof procs, "%s/%s/cgroup.procs", cgroupDir, request->cgroup);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) child_fail(report, "joining the run's cgroup");
    close(fd);
  }
  // Its cgroup (the one it was cloned into, or the box's) is the root of what it sees in /proc/self/cgroup.
  if (unshare(CLONE_NEWCGROUP) != 0 && errno != EINVAL) child_fail(report, "cgroup namespace");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) child_fail(report, "private /");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) child_fail(report, "/proc");
  // As bubblewrap leaves them: what the host's kernel exposes through /proc is read-only.
  const char *readonly_proc[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"};
  for (size_t i = 0; i < sizeof readonly_proc / sizeof *readonly_proc; i++) {
    if (mount(readonly_proc[i], readonly_proc[i], NULL, MS_BIND | MS_REC, NULL) != 0) continue; // absent
    if (remount_readonly(readonly_proc[i]) != 0) child_fail(report, readonly_proc[i]);
  }
  int keptFds[64];
  for (int i = 0; i < keptCount && i < 64; i++) {
    keptFds[i] = open(kept[i], O_PATH | O_CLOEXEC);
    if (keptFds[i] < 0) child_fail(report, kept[i]);
  }
  snprintf(options, sizeof options, "size=%lld,mode=1777", request->tmp_bytes);
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) child_fail(report, "/tmp");
  for (int i = 0; i < keptCount && i < 64; i++) {
    char source[64];
    snprintf(source, sizeof source, "/proc/self/fd/%d", keptFds[i]);
    if (make_mount_point(kept[i], keptFds[i]) != 0 || mount(source, kept[i], NULL, MS_BIND | MS_REC, NULL) != 0)
      child_fail(report, kept[i]);
    close(keptFds[i]);
  }
  if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) child_fail(report, "/dev/shm");
  // bubblewrap's /dev is a tmpfs the box user could write to: read-only for the run.
  if (remount_readonly("/dev") != 0) child_fail(report, "read-only /dev");
  // The box's socket and this binary's own files are not the run's business.
  // (Covered, not unmounted: bubblewrap's mounts are locked in the namespace it leaves us.)
  if (mount("tmpfs", warmDir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555") != 0)
    child_fail(report, "hiding /run/warm");

  if (setsid() < 0) child_fail(report, "setsid");
  // Runs share the box's user namespace, and so its user keyrings: emptied for each run, and a new session
  // keyring (box-init joins another). Where the filter allows keys at all, nothing one run adds reaches the next.
  syscall(SYS_keyctl, 7 /* KEYCTL_CLEAR */, -4 /* KEY_SPEC_USER_KEYRING */);
  syscall(SYS_keyctl, 7 /* KEYCTL_CLEAR */, -5 /* KEY_SPEC_USER_SESSION_KEYRING */);
  syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
  set_limit(report, RLIMIT_CORE, 0, 0, "RLIMIT_CORE");
  set_limit(report, RLIMIT_NOFILE, request->nofile, request->nofile, "RLIMIT_NOFILE");
  set_limit(report, RLIMIT_FSIZE, request->fsize, request->fsize, "RLIMIT_FSIZE");
  set_limit(report, RLIMIT_CPU, request->cpu, request->cpu + 1, "RLIMIT_CPU");
  if (request->data >= 0) set_limit(report, RLIMIT_DATA, request->data, request->data, "RLIMIT_DATA");
  // Set here, before the exec of box-init: the kernel reads it then, for the run's stack and for its argv.
  if (request->stack >= 0) set_limit(report, RLIMIT_STACK, request->stack, request->stack, "RLIMIT_STACK");
  if (chdir(request->cwd) != 0) child_fail(report, "chdir");

  for (int i = 0; i < 3; i++) {
    if (dup2(fds[i], i) < 0) child_fail(report, "dup2");
  }
  if (dup2(report, control) < 0) child_fail(report, "dup2 fd 3");
  report = control;
  if (syscall(SYS_close_range, 4, ~0U, 0) != 0) {
    for (int fd = 4; fd < 1024; fd++) close(fd);
  }
  drop_capabilities(report);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(report, "no_new_privs");
  if (filter.len > 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) child_fail(report, "seccomp");
  execve(initPath, request->argv, request->env);
  child_fail(report, "exec box-init");
}

// ---- the box's server loop ----

static int parse_number(const char *text, long long *value) {
  char *end;
  errno = 0;
  *value = strtoll(text, &end, 10);
  return errno != 0 || *end != '\0' || end == text ? -1 : 0;
}

// Splits the payload into its strings; returns 0 when it holds a whole request.
static int parse_request(char *payload, size_t size, struct request *request) {
  if (size == 0 || payload[size - 1] != '\0') return -1;
  size_t count = 0;
  for (size_t i = 0; i < size; i++) count += payload[i] == '\0';
  char **strings = calloc(count + 2, sizeof *strings);
  if (!strings) return -1;
  char *at = payload;
  for (size_t i = 0; i < count; i++) {
    strings[i] = at;
    at += strlen(at) + 1;
  }
  long long argc;
  if (count < 9 || parse_number(strings[0], &request->tmp_bytes) || parse_number(strings[1], &request->nofile) ||
      parse_number(strings[2], &request->fsize) || parse_number(strings[3], &request->cpu) ||
      parse_number(strings[4], &request->data) || parse_number(strings[5], &request->stack) ||
      parse_number(strings[8], &argc) || argc < 1 || (size_t)argc > count - 9 || strchr(strings[7], '/') ||
      strcmp(strings[7], ".") == 0 || strcmp(strings[7], "..") == 0) {
    free(strings);
    return -1;
  }
  request->cwd = strings[6];
  request->cgroup = strings[7];
  // argv: box-init's path, then its arguments; env: the rest. Both NULL-terminated in place.
  char **argv = calloc((size_t)argc + 2, sizeof *argv);
  if (!argv) {
    free(strings);
    return -1;
  }
  request->strings = strings;
  argv[0] = (char *)initPath;
  for (long long i = 0; i < argc; i++) argv[i + 1] = strings[9 + i];
  request->argv = argv;
  request->env = strings + 9 + argc; // strings[count] is NULL (calloc)
  return 0;
}

enum { headerSize = 16, collectTimeoutMs = 2000 };

// One connection's header: "WB3", its role, the run's 8-byte nonce and (control only) the request's length.
struct header {
  char role;
  char nonce[8];
  uint32_t length;
};

static int read_header(int fd, struct header *header) {
  struct pollfd ready = {fd, POLLIN, 0};
  char raw[headerSize];
  if (poll(&ready, 1, collectTimeoutMs) != 1 || read_all(fd, raw, sizeof raw) != 0 || memcmp(raw, "WB3", 3) != 0)
    return -1;
  header->role = raw[3];
  memcpy(header->nonce, raw + 4, sizeof header->nonce);
  memcpy(&header->length, raw + 12, sizeof header->length);
  return 0;
}

// Forks the run into its fresh namespaces, and into its own cgroup when the request names one.
static pid_t clone_run(struct request *request) {
  static int noClone3 = 0;
  uint64_t flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC;
  request->join = request->cgroup[0] != '\0' && noClone3;
  if (request->cgroup[0] == '\0' || noClone3)
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  char where[4096];
  snprintf(where, sizeof where, "%s/%s", cgroupDir, request->cgroup);
  int cgroup = open(where, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) return -1;
  struct clone3_args args = {0};
  args.flags = flags | WARM_CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = (uint64_t)cgroup;
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid != 0) {
    int saved = errno;
    close(cgroup);
    errno = saved;
  }
  if (pid < 0 && errno == ENOSYS) {
    // Container runtimes' default seccomp profiles answer clone3 with ENOSYS (so that libc falls back to
    // clone): then the child joins its cgroup itself, from now on.
    noClone3 = 1;
    return clone_run(request);
  }
  return pid;
}

// Runs one request: the control connection and the program's stdin, stdout and stderr connections.
static void serve_run(int connection, uint32_t size, int fds[3]) {
  char *payload = malloc(size + 1);
  struct request request = {0};
  if (!payload || read_all(connection, payload, size) != 0 || parse_request(payload, size, &request) != 0) {
    dprintf(connection, "sandbox: warm-box: bad request\nexit %d\n", failed);
    free(payload);
    return;
  }
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    dprintf(connection, "sandbox: warm-box: pipe: %s\nexit %d\n", strerror(errno), failed);
    goto freed;
  }
  // The run starts with every signal blocked: one the server sends before box-init can forward it waits as
  // pending (PID 1 of a namespace would drop it without a handler) and reaches the program.
  sigset_t all, saved;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &saved);
  pid_t pid = clone_run(&request);
  if (pid != 0) sigprocmask(SIG_SETMASK, &saved, NULL);
  if (pid == 0) {
    close(report[0]);
    run_child(&request, fds, report[1]);
  }
  close(report[1]);
  if (pid < 0) {
    dprintf(connection, "sandbox: warm-box: clone: %s\nexit %d\n", strerror(errno), failed);
    close(report[0]);
    goto freed;
  }
  for (int i = 0; i < 3; i++) {
    close(fds[i]);
    fds[i] = -1;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0); // kernels from 5.3
  int hangup = pidfd < 0;
  if (hangup) {
    dprintf(connection, "sandbox: warm-box: pidfd_open: %s\n", strerror(errno));
    kill(pid, SIGKILL);
  }
  char line[64];
  size_t used = 0;
  // Until the run's init is gone (its namespace then is empty): signals from the client, or its hang-up.
  for (;;) {
    if (pidfd < 0) break;
    struct pollfd watch[2] = {{pidfd, POLLIN, 0}, {connection, hangup ? 0 : POLLIN, 0}};
    if (poll(watch, 2, -1) < 0 && errno != EINTR) break;
    if (watch[0].revents & POLLIN) break;
    if (!hangup && (watch[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(connection, line + used, sizeof line - 1 - used);
      if (n <= 0) {
        hangup = 1; // the client was killed: so is the run
        kill(pid, SIGKILL);
        continue;
      }
      used += (size_t)n;
      line[used] = '\0';
      char *newline;
      while ((newline = strchr(line, '\n'))) {
        *newline = '\0';
        long long sig;
        if (line[0] == 'k' && line[1] == ' ' && parse_number(line + 2, &sig) == 0 && sig > 0 && sig < 65)
          kill(pid, (int)sig);
        used -= (size_t)(newline + 1 - line);
        memmove(line, newline + 1, used + 1);
      }
      if (used >= sizeof line - 1) used = 0; // a line too long is dropped
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (pidfd >= 0) close(pidfd);
  char text[4096];
  ssize_t n = read(report[0], text, sizeof text);
  close(report[0]);
  if (!hangup) {
    if (n > 0) write_all(connection, text, (size_t)n);
    int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    dprintf(connection, "exit %d\n", code);
  }
freed:
  free(request.argv);
  free(request.strings);
  free(payload);
}

// Accepts the connections of one request (any order; those of another nonce are dropped), or answers a ping.
static void serve_one(int listener) {
  int slots[4] = {-1, -1, -1, -1}; // control, stdin, stdout, stderr
  const char *roles = "CIOE";
  char nonce[8];
  int have_nonce = 0, want_stdin = 1;
  uint32_t size = 0;
  for (;;) {
    int complete = slots[0] >= 0 && slots[2] >= 0 && slots[3] >= 0 && (slots[1] >= 0 || !want_stdin);
    if (complete) break;
    if (have_nonce) {
      struct pollfd ready = {listener, POLLIN, 0};
      if (poll(&ready, 1, collectTimeoutMs) != 1) break; // the server gave up halfway: drop what came
    }
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die("accept");
    }
    struct header header;
    if (read_header(fd, &header) != 0) {
      close(fd);
      continue;
    }
    if (header.role == 'P') {
      write_all(fd, "idle\n", 5);
      close(fd);
      continue;
    }
    char role = header.role == 'c' ? 'C' : header.role;
    const char *at = strchr(roles, role);
    if (!at || role == '\0') {
      close(fd);
      continue;
    }
    if (have_nonce && memcmp(nonce, header.nonce, sizeof nonce) != 0) {
      // A newer request: what came of the older one is dropped.
      for (int i = 0; i < 4; i++)
        if (slots[i] >= 0) close(slots[i]), slots[i] = -1;
      want_stdin = 1;
    }
    memcpy(nonce, header.nonce, sizeof nonce);
    have_nonce = 1;
    int slot = (int)(at - roles);
    if (slots[slot] >= 0) close(slots[slot]);
    slots[slot] = fd;
    if (slot == 0) {
      want_stdin = header.role == 'C';
      size = header.length;
    }
  }
  int complete = slots[0] >= 0 && slots[2] >= 0 && slots[3] >= 0 && (slots[1] >= 0 || !want_stdin);
  if (complete && size <= maxPayload) {
    if (slots[1] < 0) slots[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[3] = {slots[1], slots[2], slots[3]};
    if (fds[0] >= 0) serve_run(slots[0], size, fds);
    slots[1] = fds[0];
    slots[2] = fds[1];
    slots[3] = fds[2];
  } else if (slots[0] >= 0) {
    dprintf(slots[0], "sandbox: warm-box: incomplete request\nexit %d\n", failed);
  }
  for (int i = 0; i < 4; i++)
    if (slots[i] >= 0) close(slots[i]);
}

static int serve(const char *path, const char *seccomp_fd, char **keep, int keepCount) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die("PR_SET_DUMPABLE");
  kept = keep;
  keptCount = keepCount > 64 ? 64 : keepCount;
  if (seccomp_fd && strcmp(seccomp_fd, "-") != 0) {
    long long fd;
    struct stat st;
    if (parse_number(seccomp_fd, &fd) != 0 || fstat((int)fd, &st) != 0) die("seccomp fd");
    filter.filter = malloc((size_t)st.st_size);
    if (!filter.filter || read_all((int)fd, (char *)filter.filter, (size_t)st.st_size) != 0) die("reading the filter");
    filter.len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    close((int)fd);
  }
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_un address;
  if (un_address(path, &address) != 0) die("socket path too long");
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die("socket");
  unlink(path);
  umask(077);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0) die("bind");
  if (listen(listener, 16) != 0) die("listen");
  if (write_all(control, "ready\n", 6) != 0) die("fd 3");
  close(control);
  for (;;) {
    serve_one(listener);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "serve") == 0)
    return serve(argv[2], argc >= 4 ? argv[3] : NULL, argv + 4, argc > 4 ? argc - 4 : 0);
  dprintf(2, "usage: warm-box serve SOCKET [SECCOMP_FD|- [KEEP...]]\n");
  return 2;
}
