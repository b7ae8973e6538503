#!/usr/bin/env bash
# Boots the cgroup v2 KVM guest and runs one job in it: a bash script run as root in /work/main, where
# a copy of this working tree (node_modules and .tools included, .git not) is mounted. The guest's
# console (kernel messages and the job's output) goes to stdout; the exit status is the job's, read
# from the guest's second serial port. 125 = the guest failed (no status came back).
#   usage: run.sh JOB-SCRIPT
#   env:   VM_ACCEL (auto|kvm|tcg), VM_ICOUNT (1), VM_MEMORY_MB (4096), VM_CPUS (2; 1 under icount), VM_TIMEOUT_S (3600), VM_CACHE (<repo>/.cache/vm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${VM_CACHE:-$repo/.cache/vm}"
job="${1:?usage: run.sh JOB-SCRIPT}"

# KVM where it runs a stock kernel. /dev/kvm from kvm_pvm (PVM, as on this project's Firecracker
# machines) runs only PVM-built guest kernels: Debian's kernel crawls there (no "Linux version" line
# after 4 minutes), so QEMU's own emulation (TCG, one thread per vCPU) does the work instead.
accel="${VM_ACCEL:-auto}"
if [[ "$accel" == auto ]]; then
  if [[ -w /dev/kvm && ! -d /sys/module/kvm_pvm ]]; then accel=kvm; else accel=tcg; fi
fi
case "$accel" in
  kvm)
    accel_args=(-accel kvm -cpu host)
    cpus="${VM_CPUS:-2}"
    ;;
  # icount: the guest's clock counts executed instructions (1 ns each, a 1 GHz machine) instead of host
  # time, so the suites' wall-clock limits, tuned for real hardware, hold however slow emulation is and
  # whatever else loads the host. It needs one TCG thread for all vCPUs; VM_ICOUNT=0 gives real time.
  tcg)
    if [[ "${VM_ICOUNT:-1}" == 1 ]]; then
      accel_args=(-accel 'tcg,tb-size=512' -cpu max -icount shift=0)
      # One vCPU: there is one TCG thread anyway, and two under icount did not finish booting in 7 minutes.
      cpus="${VM_CPUS:-1}"
    else
      accel_args=(-accel 'tcg,thread=multi,tb-size=512' -cpu max)
      cpus="${VM_CPUS:-2}"
    fi
    ;;
  *) echo "run.sh: VM_ACCEL must be auto, kvm or tcg, not $accel" >&2; exit 125 ;;
esac
echo "[vm] accelerator: $accel$([[ -d /sys/module/kvm_pvm ]] && echo ' (/dev/kvm is kvm_pvm, which cannot run a stock kernel at speed)')" >&2
start=$SECONDS
eval "$("$here/build-rootfs.sh" "$cache")"
echo "[vm] root filesystem ready after $((SECONDS - start)) s: $ROOTFS, kernel $KERNEL" >&2

# The repository disk: a fresh ext4 image of the working tree, so the guest sees uncommitted edits and
# nothing it writes comes back.
work="$(mktemp -d "$cache/run.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/repo"
# Hard links (the cache is on the same filesystem): only mkfs reads the files' contents.
shopt -s dotglob
for entry in "$repo"/*; do
  case "${entry##*/}" in
    .git | .cache | artifacts | .turbo) ;;
    *) cp -al "$entry" "$work/repo/" ;;
  esac
done
shopt -u dotglob
install -m 0755 "$job" "$work/repo/.vm-job"
size_mb=$(($(du -sm "$work/repo" | cut -f1) * 13 / 10 + 1024))
mkfs.ext4 -q -F -L vm-repo -d "$work/repo" "$work/repo.img" "${size_mb}M" >/dev/null
rm -rf "$work/repo"
echo "[vm] repository disk ready after $((SECONDS - start)) s (${size_mb} MiB); booting" >&2

boot=$SECONDS
: >"$work/status"
qemu_status=0
timeout --kill-after=10 "${VM_TIMEOUT_S:-3600}" qemu-system-x86_64 \
  "${accel_args[@]}" -smp "$cpus" -m "${VM_MEMORY_MB:-4096}" \
  -nodefaults -display none -no-reboot \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 root=/dev/vda rw rootfstype=ext4 init=/sbin/vm-init cgroup_no_v1=all panic=-1 quiet loglevel=4" \
  -drive "file=$ROOTFS,format=raw,if=virtio,snapshot=on" \
  -drive "file=$work/repo.img,format=raw,if=virtio" \
  -device virtio-rng-pci \
  -serial stdio -serial "file:$work/status" </dev/null || qemu_status=$?

status="$(sed -n 's/^VM_EXIT_STATUS=\([0-9]*\).*/\1/p' "$work/status" | tail -n 1)"
echo "[vm] guest ran $((SECONDS - boot)) s (qemu exit $qemu_status), $((SECONDS - start)) s in all; job status ${status:-none}" >&2
if [[ -z "$status" ]]; then
  echo "run.sh: the guest gave no exit status (qemu exit $qemu_status; 124 = timed out)" >&2
  exit 125
fi
exit "$status"
