#!/usr/bin/env bash
# Prints, one per line, the podman options this kind of host needs for `podman build` and `podman run`
# beyond what an operator would pass. None of them weakens the container:
#   --runtime runc   crun (podman's default where installed) refuses a hybrid cgroup v1/v2 host layout.
#   --ulimit nofile=N:N --ulimit nproc=M:M   podman asks runc for 1048576 of each by default; raising a
#     hard limit needs CAP_SYS_RESOURCE, which sessions here lack, so runc fails with "error setting
#     rlimit type 7 (6): operation not permitted". These are the current hard limits, never higher;
#     nproc at most 32768, the limit conmon runs with (and so runc) whatever the caller's.
# OCI_RUNTIME overrides the runtime.
set -euo pipefail

nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[[ "$nofile" == unlimited || "$nofile" -gt 1048576 ]] && nofile=1048576
[[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
printf '%s\n' --runtime "${OCI_RUNTIME:-runc}" --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"
