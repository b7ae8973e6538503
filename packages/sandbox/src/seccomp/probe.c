// The hostile program of ../seccomp.hostile.test.ts: `probe GROUP` makes the system calls of one denied
// family and prints `name: ERRNO` (or `name: ok`) for each. Arguments are chosen so that a call the filter
// let through does no harm (invalid magic, missing paths, read-only requests), and where possible so that
// the kernel itself would answer something else than the filter (a success, EBADF, EINVAL, ENOSYS): the
// expected EPERM then proves the filter, not the missing capabilities.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// Newer than the headers of older distributions; one number on every architecture.
#ifndef __NR_lsm_get_self_attr
#define __NR_lsm_get_self_attr 459
#define __NR_lsm_set_self_attr 460
#define __NR_lsm_list_modules 461
#endif
#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

extern char **environ;

static void report(const char *name, long r) {
  if (r == -1)
    printf("%s: %s\n", name, strerrorname_np(errno));
  else
    printf("%s: ok\n", name);
  fflush(stdout);
}

#define CALL(label, ...) report(label, syscall(__VA_ARGS__))

// A clone that worked must not leave a second copy of the probe running on.
static void try_clone(const char *name, unsigned long flags) {
  long r = syscall(__NR_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (r == 0) _exit(0);
  if (r > 0) waitpid((pid_t)r, NULL, 0);
  report(name, r);
}

static void *thread_main(void *arg) {
  *(int *)arg = 42;
  return NULL;
}

static void keys(void) {
  CALL("keyctl", __NR_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1);
  CALL("add_key", __NR_add_key, "user", "sandbox-probe", "x", 1, -2 /* process keyring */);
  CALL("request_key", __NR_request_key, "user", "sandbox-probe-none", NULL, 0);
}

static void io_uring(void) {
  char params[120] = {0}; // struct io_uring_params
  CALL("io_uring_setup", __NR_io_uring_setup, 4, params);
  CALL("io_uring_enter", __NR_io_uring_enter, -1, 0, 0, 0, NULL, 0);
  CALL("io_uring_register", __NR_io_uring_register, -1, 0, NULL, 0);
}

static void perf(void) {
  struct perf_event_attr attr = {0};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  CALL("perf_event_open", __NR_perf_event_open, &attr, 0, -1, -1, 0);
}

static void mounts(void) {
  CALL("mount", __NR_mount, "none", "/nonexistent-probe", "tmpfs", 0, NULL);
  CALL("umount2", __NR_umount2, "/nonexistent-probe", 0);
  CALL("pivot_root", __NR_pivot_root, "/nonexistent-probe", "/nonexistent-probe");
  CALL("open_tree", __NR_open_tree, AT_FDCWD, "/", 0);
  CALL("move_mount", __NR_move_mount, -1, "", -1, "", 0);
  CALL("fsopen", __NR_fsopen, "tmpfs", 0);
  CALL("fsconfig", __NR_fsconfig, -1, 0, NULL, NULL, 0);
  CALL("fsmount", __NR_fsmount, -1, 0, 0);
  CALL("fspick", __NR_fspick, AT_FDCWD, "/", 0);
  CALL("mount_setattr", __NR_mount_setattr, -1, "", 0, NULL, 0);
  CALL("open_tree_attr", __NR_open_tree_attr, AT_FDCWD, "/", 0, NULL, 0);
}

static void clone3_and_fallbacks(void) {
  uint64_t args[11] = {0}; // struct clone_args, version 2 (88 bytes)
  args[4] = SIGCHLD;       // exit_signal
  long r = syscall(__NR_clone3, args, sizeof args);
  if (r == 0) _exit(0);
  if (r > 0) waitpid((pid_t)r, NULL, 0);
  report("clone3", r);
  // glibc tries clone3 first and falls back to clone on ENOSYS: threads, fork and spawn still work.
  pthread_t thread;
  int value = 0;
  int e = pthread_create(&thread, NULL, thread_main, &value);
  if (e == 0) e = pthread_join(thread, NULL);
  printf("pthread_create: %s\n", e == 0 && value == 42 ? "ok" : strerrorname_np(e));
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  printf("fork: %s\n", pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7 ? "ok" : "failed");
  char *argv[] = {"true", NULL};
  e = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
  if (e == 0) waitpid(pid, &status, 0);
  printf("posix_spawn: %s\n", e == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
}

static void ptrace_family(void) {
  char source[8] = "secret", target[8] = {0};
  struct iovec local = {target, sizeof target}, remote = {source, sizeof source};
  CALL("ptrace(PTRACE_TRACEME)", __NR_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
  CALL("process_vm_readv", __NR_process_vm_readv, getpid(), &local, 1, &remote, 1, 0);
  CALL("process_vm_writev", __NR_process_vm_writev, getpid(), &remote, 1, &local, 1, 0);
  CALL("kcmp", __NR_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0);
  long pidfd = syscall(__NR_pidfd_open, getpid(), 0);
  CALL("pidfd_getfd", __NR_pidfd_getfd, pidfd, 0, 0);
  CALL("process_madvise", __NR_process_madvise, pidfd, &local, 1, 20 /* MADV_COLD */, 0);
}

static void modules(void) {
  CALL("init_module", __NR_init_module, NULL, 0, "");
  CALL("finit_module", __NR_finit_module, -1, "", 0);
  CALL("delete_module", __NR_delete_module, "sandbox_probe_none", O_NONBLOCK);
#ifdef __x86_64__
  CALL("create_module", __NR_create_module, "sandbox_probe_none", 0);
  CALL("get_kernel_syms", __NR_get_kernel_syms, NULL);
  CALL("query_module", __NR_query_module, NULL, 0, NULL, 0, NULL);
#endif
}

static void clock_family(void) {
  struct timespec ts = {0, 0};
  struct timex tx = {0}; // modes 0: a read
  CALL("settimeofday", __NR_settimeofday, NULL, NULL);
  CALL("clock_settime", __NR_clock_settime, 0x7fff /* no such clock */, &ts);
  CALL("adjtimex", __NR_adjtimex, &tx);
  CALL("clock_adjtime", __NR_clock_adjtime, CLOCK_REALTIME, &tx);
}

static void handles(void) {
  struct {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
  } fh = {128, 0, {0}};
  int mount_id = 0;
  CALL("name_to_handle_at", __NR_name_to_handle_at, AT_FDCWD, "/", &fh, &mount_id, 0);
  int root = open("/", O_RDONLY | O_DIRECTORY);
  CALL("open_by_handle_at", __NR_open_by_handle_at, root, &fh, O_RDONLY);
}

static void obsolete(void) {
  char buffer[64] = {0};
  CALL("nfsservctl", __NR_nfsservctl, 0, NULL, NULL);
#ifdef __x86_64__
  CALL("_sysctl", __NR__sysctl, buffer);
  CALL("sysfs", __NR_sysfs, 3);
  CALL("uselib", __NR_uselib, NULL);
  CALL("ustat", __NR_ustat, 0, buffer);
#endif
  (void)buffer;
}

static void system_family(void) {
  CALL("syslog", __NR_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
  CALL("vhangup", __NR_vhangup);
  CALL("sethostname", __NR_sethostname, "probe", 5);
  CALL("setdomainname", __NR_setdomainname, "probe", 5);
  CALL("fanotify_init", __NR_fanotify_init, 0 /* FAN_CLASS_NOTIF */, O_RDONLY);
}

static void lsm(void) {
  uint64_t ids[16];
  uint32_t size = sizeof ids;
  CALL("lsm_get_self_attr", __NR_lsm_get_self_attr, 100 /* LSM_ATTR_CURRENT */, NULL, &size, 0);
  CALL("lsm_set_self_attr", __NR_lsm_set_self_attr, 100, NULL, 0, 0);
  CALL("lsm_list_modules", __NR_lsm_list_modules, ids, &size, 0);
}

static void sockets(void) {
  report("socket(AF_ALG)", socket(38, SOCK_SEQPACKET, 0));
  report("socket(AF_VSOCK)", socket(40, SOCK_STREAM, 0));
  report("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0));
  report("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0));
}

int main(int argc, char **argv) {
  const char *group = argc > 1 ? argv[1] : "";
  if (!strcmp(group, "keys")) keys();
  else if (!strcmp(group, "io_uring")) io_uring();
  else if (!strcmp(group, "userfaultfd")) CALL("userfaultfd", __NR_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
  else if (!strcmp(group, "bpf")) {
    char attr[128] = {0};
    CALL("bpf", __NR_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
  } else if (!strcmp(group, "perf_event_open")) perf();
  else if (!strcmp(group, "kexec")) {
    CALL("kexec_load", __NR_kexec_load, 0, 0, NULL, 0xdead0000);
    CALL("kexec_file_load", __NR_kexec_file_load, -1, -1, 0, "", 0xffff);
  } else if (!strcmp(group, "mount")) mounts();
  else if (!strcmp(group, "unshare")) {
    CALL("unshare(CLONE_NEWUSER)", __NR_unshare, CLONE_NEWUSER);
    CALL("unshare(CLONE_NEWNS)", __NR_unshare, CLONE_NEWNS);
    CALL("unshare(CLONE_FILES)", __NR_unshare, CLONE_FILES);
  } else if (!strcmp(group, "setns")) {
    CALL("setns(-1)", __NR_setns, -1, 0);
    CALL("setns(net)", __NR_setns, open("/proc/self/ns/net", O_RDONLY), CLONE_NEWNET);
  } else if (!strcmp(group, "clone")) {
    try_clone("clone(CLONE_NEWUSER)", CLONE_NEWUSER);
    try_clone("clone(CLONE_NEWNS)", CLONE_NEWNS);
    try_clone("clone(CLONE_NEWPID)", CLONE_NEWPID);
    try_clone("clone(CLONE_NEWNET)", CLONE_NEWNET);
    try_clone("clone(CLONE_NEWIPC)", CLONE_NEWIPC);
    try_clone("clone(CLONE_NEWUTS)", CLONE_NEWUTS);
    try_clone("clone(CLONE_NEWCGROUP)", CLONE_NEWCGROUP);
    try_clone("clone(SIGCHLD)", 0);
  } else if (!strcmp(group, "clone3")) clone3_and_fallbacks();
  else if (!strcmp(group, "ptrace")) ptrace_family();
  else if (!strcmp(group, "personality")) {
    CALL("personality(READ_IMPLIES_EXEC)", __NR_personality, 0x0400000);
    CALL("personality(ADDR_NO_RANDOMIZE)", __NR_personality, 0x0040000);
    CALL("personality(query)", __NR_personality, 0xffffffff);
  } else if (!strcmp(group, "modules")) modules();
  else if (!strcmp(group, "acct")) CALL("acct", __NR_acct, NULL);
  else if (!strcmp(group, "swap")) {
    CALL("swapon", __NR_swapon, "/nonexistent-probe", 0);
    CALL("swapoff", __NR_swapoff, "/nonexistent-probe");
  } else if (!strcmp(group, "reboot")) CALL("reboot", __NR_reboot, 0, 0, 0, NULL); // no valid magic
  else if (!strcmp(group, "clock")) clock_family();
  else if (!strcmp(group, "handles")) handles();
  else if (!strcmp(group, "lookup_dcookie")) CALL("lookup_dcookie", __NR_lookup_dcookie, 0, NULL, 0);
  else if (!strcmp(group, "quota")) {
    char buffer[64];
    CALL("quotactl", __NR_quotactl, 0x800004 /* QCMD(Q_GETFMT, USRQUOTA) */, "/", 0, buffer);
    CALL("quotactl_fd", __NR_quotactl_fd, -1, 0x800004, 0, buffer);
  } else if (!strcmp(group, "obsolete")) obsolete();
#ifdef __x86_64__
  else if (!strcmp(group, "ioports")) {
    CALL("iopl", __NR_iopl, 0);
    CALL("ioperm", __NR_ioperm, 0, 0, 0);
  }
#endif
  else if (!strcmp(group, "numa")) {
    CALL("move_pages", __NR_move_pages, 0, 0, NULL, NULL, NULL, 0);
    CALL("migrate_pages", __NR_migrate_pages, 0, 0, NULL, NULL);
    CALL("get_mempolicy", __NR_get_mempolicy, NULL, NULL, 0, NULL, 0);
  } else if (!strcmp(group, "system")) system_family();
  else if (!strcmp(group, "lsm")) lsm();
  else if (!strcmp(group, "socket")) sockets();
#ifdef __x86_64__
  else if (!strcmp(group, "i386")) {
    long r;
    // getpid through the 32-bit entry: seccomp sees AUDIT_ARCH_I386.
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory", "r8", "r9", "r10", "r11");
    if (r < 0) errno = (int)-r;
    report("int 0x80 getpid", r < 0 ? -1 : r);
  } else if (!strcmp(group, "x32")) CALL("x32 getpid", 0x40000000 | __NR_getpid);
#endif
  else {
    fprintf(stderr, "unknown group %s\n", group);
    return 2;
  }
  return 0;
}
