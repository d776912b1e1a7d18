#!/usr/bin/env bash
# Runs every check of the project, offline: formatting, go vet, the unit tests
# on Pulumi's mock monitor (with the golden dev plan), the handler tests
# against a real S3 server on loopback (versitygw), the reproducible-build
# test, and the workflow lint. Installs the pinned tools it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/tools.sh
gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

echo "== gofmt"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
staticcheck ./...

echo "== offline plan (dev), without credentials or network"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  go run ./cmd/plan -stack dev -json > /dev/null
echo "plan: ok"

echo "== shellcheck"
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck scripts/*.sh .ci/run
else
  echo "shellcheck is not installed: skipped here (CI installs it); actionlint skips shell checks too"
fi

echo "== actionlint"
actionlint

echo "== go test"
go test -count=1 -timeout 20m ./...
