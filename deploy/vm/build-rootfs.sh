#!/usr/bin/env bash
# Builds (or reuses) the guest's root filesystem: Debian bookworm from debootstrap with what the sandbox
# and testero suites need, the kernel modules of the host's Debian kernel, and deploy/vm/init.sh as
# /sbin/vm-init. Prints the kernel, initrd and image paths as KEY=value lines for run.sh.
#   usage: build-rootfs.sh [cache-dir]   (default: <repo>/.cache/vm)
# Two cache levels: the debootstrap tree (keyed by the package list) and the ext4 image made from it
# (keyed by the tree, the kernel and init.sh), so an edit of init.sh costs a mkfs, not a debootstrap.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${1:-$repo/.cache/vm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$cache"

# What the suites run inside the guest (bwrap, tini as the launcher's init, setpriv from util-linux,
# gcc for the hostile C programs, python3), and podman/runc for the container experiments.
packages=(
  bubblewrap tini util-linux procps psmisc python3 gcc libc6-dev ca-certificates kmod iproute2
  podman runc conmon crun fuse-overlayfs slirp4netns uidmap containernetworking-plugins
)

# Debian's kernel: the newest /boot/vmlinuz-* with its initrd and modules (linux-image-amd64).
kernel="$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)"
if [[ -z "$kernel" ]]; then
  echo "build-rootfs: no /boot/vmlinuz-* (install Debian's linux-image-amd64)" >&2
  exit 1
fi
version="${kernel#/boot/vmlinuz-}"
initrd="/boot/initrd.img-$version"
for need in "$initrd" "/lib/modules/$version"; do
  if [[ ! -e "$need" ]]; then
    echo "build-rootfs: $need is missing (linux-image-amd64 not fully installed?)" >&2
    exit 1
  fi
done

tree="$cache/rootfs"
tree_key="$(printf '%s\n' bookworm "$mirror" "${packages[@]}" | sha256sum | cut -c1-16)"
if [[ "$(cat "$tree/.vm-tree-key" 2>/dev/null || true)" != "$tree_key" ]]; then
  echo "build-rootfs: debootstrap bookworm into $tree ($(date +%T))" >&2
  start=$SECONDS
  rm -rf "$tree" "$tree.tmp"
  debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" bookworm "$tree.tmp" "$mirror" >&2
  chroot "$tree.tmp" apt-get clean >&2
  rm -rf "$tree.tmp"/var/lib/apt/lists/*
  echo "$tree_key" >"$tree.tmp/.vm-tree-key"
  mv "$tree.tmp" "$tree"
  echo "build-rootfs: debootstrap took $((SECONDS - start)) s" >&2
fi

image="$cache/rootfs.img"
image_key="$(cat "$tree/.vm-tree-key" "$here/init.sh" | sha256sum | cut -c1-16)-$version"
if [[ "$(cat "$image.key" 2>/dev/null || true)" != "$image_key" ]]; then
  echo "build-rootfs: making $image ($(date +%T))" >&2
  start=$SECONDS
  rm -rf "$tree/lib/modules" && mkdir -p "$tree/lib/modules"
  cp -a "/lib/modules/$version" "$tree/lib/modules/"
  install -m 0755 "$here/init.sh" "$tree/sbin/vm-init"
  mkdir -p "$tree/work/main"
  echo vm >"$tree/etc/hostname"
  printf '127.0.0.1 localhost vm\n::1 localhost\n' >"$tree/etc/hosts"
  size_mb=$(($(du -sm "$tree" | cut -f1) * 13 / 10 + 512))
  rm -f "$image.tmp"
  # stdout is run.sh's KEY=value lines: mkfs's chatter goes to stderr.
  mkfs.ext4 -q -F -L vm-root -d "$tree" "$image.tmp" "${size_mb}M" >&2
  mv "$image.tmp" "$image"
  echo "$image_key" >"$image.key"
  echo "build-rootfs: image made in $((SECONDS - start)) s" >&2
fi

echo "KERNEL=$kernel"
echo "INITRD=$initrd"
echo "ROOTFS=$image"
