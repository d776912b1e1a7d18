#!/usr/bin/env bash
# Rewrites every file the project generates, in the order they derive from
# one another, from the tests that check them (each with its -update flag;
# scripts/gotest.sh runs them, with the test binaries test.sh's run kept):
#
#   1. the golden plans, testdata/plan-<stack>.json (internal/proof/labplan):
#      the program's offline plan of each scenario stack;
#   2. the AWS calls the project's commands make, testdata/calls/*.json
#      (recorded against moto and the verifier's fakes);
#   3. the CI roles' policies, iam/deployer-policy-<stack>.json,
#      iam/ci/<role>-role-policy.json and iam/lab-permissions-boundary.json
#      (internal/proof/ciroles: derived from 1 and 2);
#   4. the golden reviews, tools/preview/testdata/golden/*.md (the
#      offline review of each case, whose base plan is 1's).
#
# Review the diff like code: a changed URN in a plan is a replaced resource, a
# new action in a policy is a new right. The ForceNew table
# (tools/preview/forcenew/forcenew.json) keeps its own command, since it
# needs the provider's source: see docs/review.md.
#
#   scripts/generate.sh           rewrite
#   scripts/generate.sh --check   rewrite, then fail if the tree changed
#                                 (scripts/test.sh and CI run this; the
#                                 go test step before it skips these tests,
#                                 which run here, with all their checks)
set -euo pipefail
cd "$(dirname "$0")/.."

# A test that cannot run here (no moto, no tools/iam-eval/node_modules) skips
# outside CI; a skipped generator would leave its file stale and let --check
# pass. CI set makes those tests fail instead: install what scripts/tools.sh
# installs first.
export CI="${CI:-true}"

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: scripts/generate.sh [--check]" >&2; exit 2 ;;
esac

# The tree's changes and untracked files before, to tell what generating
# changed from what the checkout had already changed.
tree_state() {
  git status --porcelain --untracked-files=all
  git diff
}
before="$(tree_state | sha256sum)"

echo "== generate: golden plans"
scripts/gotest.sh -run '^TestGoldenPlans$' ./internal/proof/labplan -- -update

echo "== generate: the commands' AWS calls"
scripts/gotest.sh -run '^(TestCallerOnMoto|TestFindWithMoto|TestCallsOfTheVerifier)$' \
  ./internal/ops/awsclient ./internal/ops/orphans ./internal/proof/verify -- -update-calls

echo "== generate: the CI roles' policies"
scripts/gotest.sh ./internal/proof/ciroles -- -update

echo "== generate: golden reviews"
(cd tools/preview && ../../scripts/gotest.sh -run '^TestGoldenReviews$' ./review -- -update)

if "$check" && [ "$(tree_state | sha256sum)" != "$before" ]; then
  echo "generate: the generated files differ from the committed ones:" >&2
  git status --short >&2
  git --no-pager diff --stat >&2
  echo "run scripts/generate.sh, review the diff and commit it" >&2
  exit 1
fi
