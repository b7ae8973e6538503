#!/usr/bin/env bash
# Job for run.sh: what code-runner's sandbox gets inside a container on cgroup v2. podman (runc,
# cgroupfs manager, no systemd) runs deploy/vm/jobs/probe.mjs in a container whose root is the guest's
# own /usr and /etc read-only, under several sets of options, and prints one PROBE line for each.
set -uo pipefail
export PATH=/work/main/.tools/node_modules/.bin:/work/main/node_modules/.bin:$PATH

# The container's root: no image registry here, so the guest's own system, read-only.
ctr=/run/ctr-root
mkdir -p "$ctr"/{usr,etc,work/main,tmp,root,var/tmp,run,proc,sys,dev}
for dir in bin sbin lib lib64; do ln -sfn "usr/$dir" "$ctr/$dir"; done
mount --bind /usr "$ctr/usr" && mount -o remount,bind,ro "$ctr/usr"
cp -a /etc/. "$ctr/etc/"
mount --bind /work/main "$ctr/work/main"
chmod 1777 "$ctr/tmp" "$ctr/var/tmp"

podman=(podman --cgroup-manager=cgroupfs --events-backend=file)
# deploy/README.md's options for code-runner.
readme=(--security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined)
# probe NAME RUNTIME [podman run options]
probe() {
  local name=$1 runtime=$2
  shift 2
  echo "::: container: $name"
  echo "    podman --runtime=$runtime run $*"
  "${podman[@]}" --runtime="$runtime" run --rm --network=none --cgroupns=private "$@" --rootfs "$ctr" \
    /usr/bin/env PATH="$PATH" node /work/main/deploy/vm/jobs/probe.mjs 2>&1 | sed 's/^/    /'
}
"${podman[@]}" info --format '{{.Host.CgroupsVersion}} {{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}} {{.Version.Version}}'
runc --version | head -n 1

probe 'README options, root in the container' runc "${readme[@]}"
# As a Kubernetes container gets it without privileged: /proc unmasked (procMount: Unmasked) but
# /sys/fs/cgroup read-only.
probe 'read-only cgroupfs, /proc unmasked (Kubernetes procMount: Unmasked)' runc \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt 'unmask=/proc/*'
probe 'README options + a writable cgroupfs (unmask=/sys/fs/cgroup)' runc "${readme[@]}" --security-opt unmask=/sys/fs/cgroup
probe 'the same under tini as PID 1 (--init)' runc "${readme[@]}" --security-opt unmask=/sys/fs/cgroup --init --init-path /usr/bin/tini
probe 'the same as uid 10001' runc "${readme[@]}" --security-opt unmask=/sys/fs/cgroup --user 10001:10001
probe 'a user namespace (root = host uid 100000) + writable cgroupfs' runc "${readme[@]}" --security-opt unmask=/sys/fs/cgroup \
  --uidmap 0:100000:200000 --gidmap 0:100000:200000
probe 'a user namespace, read-only cgroupfs (as hostUsers: false on containerd today)' runc "${readme[@]}" \
  --uidmap 0:100000:200000 --gidmap 0:100000:200000
# crun hands the container's cgroup (directory, cgroup.procs, cgroup.subtree_control, cgroup.threads) to
# the user namespace's root with any cgroup manager; runc does so only with its systemd driver.
probe 'crun, a user namespace + writable cgroupfs' crun "${readme[@]}" --security-opt unmask=/sys/fs/cgroup \
  --uidmap 0:100000:200000 --gidmap 0:100000:200000
probe 'crun, a user namespace + writable cgroupfs, tini as PID 1' crun "${readme[@]}" \
  --security-opt unmask=/sys/fs/cgroup --uidmap 0:100000:200000 --gidmap 0:100000:200000 --init --init-path /usr/bin/tini
probe '--privileged (for comparison only)' runc --privileged
exit 0
