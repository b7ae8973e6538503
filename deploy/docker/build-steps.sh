#!/usr/bin/env bash
# The steps that turn the monorepo into one app's production files. The Dockerfiles run them (one
# step per layer, so the dependency install is cached until a package.json or the lockfile changes);
# deploy/tests builds the images with podman (deploy/images/build.sh) and runs them.
#
#   build-steps.sh prune   <app> <out>         turbo prune --docker: out/json (manifests + lockfile), out/full
#   build-steps.sh install <workspace>         frozen pnpm install of the pruned workspace (from out/json)
#   build-steps.sh build   <app> <workspace>   turbo run build for the app (and, for code-runner, runner-web)
#   build-steps.sh collect <app> <workspace> <dest>   only what runs: the esbuild bundle (+ the web page)
#
# Optional environment: PNPM_STORE_DIR (a cache mount in Docker; the machine's store otherwise).
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 HUSKY=0

usage() {
  echo "usage: build-steps.sh prune <app> <out> | install <workspace> | build <app> <workspace> | collect <app> <workspace> <dest>" >&2
  exit 2
}

# The workspace packages an app's image is made of. code-runner serves runner-web's static build at
# `/` without importing it, so runner-web is pruned and built beside it.
packages_of() {
  case "$1" in
    code-runner) echo "code-runner runner-web" ;;
    testero) echo "testero" ;;
    *)
      echo "build-steps.sh: unknown app \"$1\" (expected code-runner or testero)" >&2
      exit 2
      ;;
  esac
}

step_prune() {
  local app=$1 out=$2
  rm -rf "$out"
  # shellcheck disable=SC2046 # word splitting of the package list is intended
  turbo prune $(packages_of "$app") --docker --out-dir "$out"
  # turbo copies the packages but not the root tsconfig they extend; esbuild and tsc read it.
  cp tsconfig.base.json "$out/json/" && cp tsconfig.base.json "$out/full/"
}

step_install() {
  local workspace=$1
  local store=()
  if [[ -n "${PNPM_STORE_DIR:-}" ]]; then store=(--store-dir "$PNPM_STORE_DIR"); fi
  # --ignore-scripts: the root `prepare` hook (husky) is not part of the pruned tree, and nothing
  # the apps bundle needs an install script (esbuild finds its platform binary without one).
  (cd "$workspace" && pnpm install --frozen-lockfile --ignore-scripts --prefer-offline "${store[@]}")
}

step_build() {
  local app=$1 workspace=$2 filters=()
  for pkg in $(packages_of "$app"); do filters+=("--filter=$pkg"); done
  (cd "$workspace" && pnpm exec turbo run build "${filters[@]}" --output-logs=errors-only)
}

step_collect() {
  local app=$1 workspace=$2 dest=$3
  local dist="$workspace/apps/$app/dist"
  if [[ ! -f "$dist/main.js" ]]; then
    echo "build-steps.sh: $dist/main.js is missing: did \"build\" run for $app?" >&2
    exit 1
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  cp -R "$dist" "$dest/dist"
  # The bundle is an ES module: Node needs "type": "module" beside it, and nothing else of package.json.
  node -e '
    const [src, out] = process.argv.slice(1);
    const { name, version } = JSON.parse(require("node:fs").readFileSync(src, "utf8"));
    require("node:fs").writeFileSync(out, JSON.stringify({ name, version, private: true, type: "module" }, null, 2) + "\n");
  ' "$workspace/apps/$app/package.json" "$dest/package.json"
  if [[ "$app" == code-runner ]]; then
    if [[ ! -f "$workspace/apps/runner-web/dist/index.html" ]]; then
      echo "build-steps.sh: apps/runner-web/dist/index.html is missing: did \"build\" run for runner-web?" >&2
      exit 1
    fi
    cp -R "$workspace/apps/runner-web/dist" "$dest/web"
  fi
}

[[ $# -ge 1 ]] || usage
step=$1
shift
case "$step" in
  prune) [[ $# -eq 2 ]] || usage; step_prune "$@" ;;
  install) [[ $# -eq 1 ]] || usage; step_install "$@" ;;
  build) [[ $# -eq 2 ]] || usage; step_build "$@" ;;
  collect) [[ $# -eq 3 ]] || usage; step_collect "$@" ;;
  *) usage ;;
esac
