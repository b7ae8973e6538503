#!/usr/bin/env bash
# Builds one app's image with podman from its Dockerfile as it is (deploy/docker/<app>.Dockerfile),
# from the repository root, into podman's local storage.
#
#   deploy/images/build.sh <code-runner|testero> [tag] [podman build options...]
#
# The base (the Dockerfiles' NODE_IMAGE): $NODE_IMAGE if set; else docker.io/library/node:24-bookworm-slim
# if it is in local storage or can be pulled; else a local stand-in made by local-base.sh (said loudly).
# --format docker keeps the HEALTHCHECK (the OCI format has none). Options after the tag go to
# `podman build` (e.g. --no-cache, --build-arg REVISION=...).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
app=${1:?usage: build.sh <code-runner|testero> [tag] [podman build options...]}
tag=${2:-localhost/$app:dev}
shift $(($# >= 2 ? 2 : 1))
[[ -f "$repo/deploy/docker/$app.Dockerfile" ]] || {
  echo "build.sh: no deploy/docker/$app.Dockerfile" >&2
  exit 2
}
command -v podman >/dev/null || {
  echo "build.sh: podman is missing (apt-get install podman buildah runc)" >&2
  exit 1
}

official=docker.io/library/node:24-bookworm-slim
base=${NODE_IMAGE:-}
if [[ -z "$base" ]]; then
  if podman image exists "$official"; then
    base=$official
  elif pull_error=$(podman pull --quiet "$official" 2>&1 >/dev/null); then
    base=$official
  else
    echo "build.sh: cannot pull $official (${pull_error##*$'\n'}); using a local base instead" >&2
    base=localhost/node:24-bookworm-slim
    "$here/local-base.sh" "$base"
  fi
fi
echo "build.sh: building $tag from deploy/docker/$app.Dockerfile on NODE_IMAGE=$base" >&2

mapfile -t host_opts < <("$here/podman-host-opts.sh")
cd "$repo"
exec podman build --format docker "${host_opts[@]}" --build-arg "NODE_IMAGE=$base" \
  -f "deploy/docker/$app.Dockerfile" -t "$tag" "$@" .
