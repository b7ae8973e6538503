#!/bin/bash
# PID 1 of the cgroup v2 guest (no systemd): mounts the basics and a pure cgroup v2 hierarchy, mounts the
# repository disk at /work/main, runs the job run.sh put there, writes its exit status to the second
# serial port (the host's status file) and powers off. Never exits: PID 1 exiting is a kernel panic.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8

say() { echo "[vm-init] $*"; }
finish() {
  echo "VM_EXIT_STATUS=$1" >/dev/ttyS1
  sync
  umount /work/main 2>/dev/null
  echo o >/proc/sysrq-trigger
  sleep 60
}
fail() {
  say "failed: $*"
  finish 125
}

# Debian's initramfs moves /dev, /proc, /sys and /run over; mount whatever is not there yet.
mountpoint -q /proc || mount -t proc proc /proc || fail "mount /proc"
mountpoint -q /sys || mount -t sysfs sysfs /sys || fail "mount /sys"
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev || fail "mount /dev"
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mountpoint -q /run || mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp || fail "mount /tmp"
mount -o remount,rw / || fail "remount / rw"
echo 1 >/proc/sys/kernel/sysrq

# The unified hierarchy only (the kernel boots with cgroup_no_v1=all), with the controllers the sandbox
# needs enabled for the root's children, as systemd does on a v2 host.
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
for controller in cpu memory pids io cpuset; do
  echo "+$controller" >/sys/fs/cgroup/cgroup.subtree_control || say "controller $controller not enabled"
done
say "cgroup2: controllers '$(cat /sys/fs/cgroup/cgroup.controllers)', enabled '$(cat /sys/fs/cgroup/cgroup.subtree_control)'"

hostname vm
ip link set lo up || fail "loopback"
mkdir -p /work/main
mount -t ext4 /dev/vdb /work/main || fail "mount the repository disk /dev/vdb"
[[ -f /work/main/.vm-job ]] || fail "no /work/main/.vm-job"
say "kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB; running the job"

cd /work/main || fail "cd /work/main"
bash /work/main/.vm-job </dev/null
status=$?
say "job exited with status $status"
finish "$status"
