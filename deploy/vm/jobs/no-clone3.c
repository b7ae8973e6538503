// no-clone3 COMMAND...: runs COMMAND under a seccomp filter that answers clone3 with ENOSYS, as the
// default profiles of Docker, containerd and podman do for a process without CAP_SYS_ADMIN (so that libc
// falls back to clone). The sandbox's warm boxes must then still work on cgroup v2 (their init cannot
// clone a run straight into its cgroup: the run joins it itself).
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: no-clone3 COMMAND...\n");
    return 2;
  }
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog filter = {sizeof code / sizeof *code, code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) != 0) {
    perror("no-clone3: seccomp");
    return 125;
  }
  execvp(argv[1], argv + 1);
  perror("no-clone3: exec");
  return 127;
}
