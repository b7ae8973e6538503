#!/usr/bin/env bash
# Job for run.sh: the sandbox's and testero's suites, then the guest-only cgroup v2 checks, on the
# guest's pure cgroup v2 hierarchy, as root, with level `full` promised. Exits non-zero if any fails.
set -euo pipefail
export PATH=/work/main/.tools/node_modules/.bin:/work/main/node_modules/.bin:$PATH
export CI=true EXPECT_ISOLATION=full EXPECT_LANGUAGES=c FORCE_COLOR=0 NO_COLOR=1
suites="${VM_SUITES:-sandbox no-clone3 testero guest}"
status=0
step() {
  local name=$1 dir=$2
  shift 2
  local start=$SECONDS
  echo "::: vm: $name"
  if (cd "/work/main/$dir" && "$@"); then
    echo "::: vm: $name passed in $((SECONDS - start)) s"
  else
    echo "::: vm: $name FAILED in $((SECONDS - start)) s"
    status=1
  fi
}
for suite in $suites; do
  case "$suite" in
    sandbox) step 'sandbox suite (@repo/sandbox)' packages/sandbox vitest run ;;
    no-clone3)
      # Container runtimes' default seccomp profiles answer clone3 with ENOSYS: warm boxes must still run
      # every run in its own cgroup (the run joins it itself) and hold against the hostile and cross-run tests.
      cc -O2 -o /tmp/no-clone3 /work/main/deploy/vm/jobs/no-clone3.c
      # (Not seccomp.hostile.test.ts: it counts the filters a run is under, and no-clone3 adds one.)
      step 'sandbox warm path without clone3' packages/sandbox /tmp/no-clone3 vitest run src/cross-run.test.ts src/hostile.test.ts
      ;;
    # src/ only: the dashboard's browser tests (e2e/) need Chromium, which the guest has not.
    testero) step 'testero suite' apps/testero vitest run src ;;
    guest) step 'cgroup v2 checks (deploy/tests/src/guest)' deploy/tests vitest run --config ../vm/guest.vitest.config.ts ;;
    *) echo "unknown suite $suite"; status=1 ;;
  esac
done
exit "$status"
