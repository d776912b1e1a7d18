#!/usr/bin/env bash
# Runs every check of the project, offline: formatting, go vet, staticcheck,
# the offline plans of the scenario stacks, the unit tests on Pulumi's mock
# monitor (with the golden plans), the policy matrix (a pinned third-party IAM
# evaluator), the handler and verifier tests against real servers on loopback
# (versitygw, moto), the reproducible-build test, the exit codes of the built
# commands, the reaper, drift check and the README's CLI commands on the real
# Pulumi CLI (the pinned version: the one on PATH, else built from tools/preview; file:// backend), the offline review by the
# Pulumi engine (tools/preview, its own module), and the script and workflow
# lint. Installs the pinned tools it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

# step NAME ends the step before (printing how long it took) and starts
# NAME; scripts/measure.sh reads these lines. step "" ends the last one.
steps=()
step() {
  if [ -n "${step_name:-}" ]; then
    steps+=("$((SECONDS - step_start)) s  $step_name")
    echo "-- $step_name: $((SECONDS - step_start)) s"
  fi
  step_name="$1"
  step_start=$SECONDS
  if [ -n "$1" ]; then echo "== $1"; fi
}

step "tools"
bash scripts/tools.sh
gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

step "gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck ./...

step "offline plans of the scenario stacks, without credentials or network"
go build -o bin/ ./cmd/plan
for golden in testdata/plan-*.json; do
  stack="${golden#testdata/plan-}"
  stack="${stack%.json}"
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    ./bin/plan -stack "$stack" > /dev/null
  echo "plan $stack: ok"
done

step "shellcheck"
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck scripts/*.sh .ci/run
else
  echo "shellcheck is not installed: skipped here (CI installs it); actionlint skips shell checks too"
fi

step "actionlint"
actionlint

step "go test"
# The generators' tests run once, in "generated files" below (rewriting,
# with all their checks, then comparing the tree).
generators='^(TestGoldenPlans|TestCallerOnMoto|TestFindWithMoto|TestCallsOfTheVerifier)$'
# scripts/gotest.sh runs them as `go test -count=1 -timeout 20m` does, with
# the test binaries kept in .build/test-bin between runs (go test would link
# them all again) and without go test's vet pass (`go vet ./...` above ran
# every analyzer on the same packages and their tests).
scripts/gotest.sh -skip "$generators" ./...

# The offline review by the Pulumi engine is its own module (pkg/v3's
# dependencies; the same Pulumi version): vet, staticcheck and its tests, the golden reviews among them.
step "tools/preview (nested module)"
(cd tools/preview && go vet ./... && staticcheck ./... && ../../scripts/gotest.sh -skip '^TestGoldenReviews$' ./...)

# Every generated file (golden plans, the commands' AWS calls, the CI roles'
# policies, golden reviews) is what its generator writes from this tree.
step "generated files"
./scripts/generate.sh --check
step ""
echo "== took $SECONDS s:"
printf '  %s\n' "${steps[@]}"
