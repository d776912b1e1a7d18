#!/usr/bin/env bash
# Installs the tools the tests need, pinned, into $(go env GOPATH)/bin, when
# they are missing or at another version:
#   versitygw  - a real S3 server the handler tests run against on loopback
#   actionlint - lints the GitHub Actions workflows
#   staticcheck - lints the Go code
# and, for the tests that check the lab against things nobody here wrote:
#   the IAM policy evaluator @cloud-copilot/iam-simulate (npm, pinned in
#     tools/iam-eval/package-lock.json) into tools/iam-eval/node_modules
#   moto 5.2.1, an AWS API emulator (EC2, S3, IAM, ...), when moto_server is
#     missing (pip install; Python 3 required)
#   the Pulumi CLI of the pinned version (PULUMI_VERSION below, the one
#     version of every go.mod and workflow: scripts/versions_test.go) as
#     tools/bin/pulumi, for the tests that run the real CLI on a file://
#     backend: a copy of the `pulumi` on PATH when that one is the pinned
#     version (the README's prerequisites install it), else built from source
#     (tools/preview's tool directive); kept while `tools/bin/pulumi version`
#     prints the pinned version (a cold build takes minutes, a rebuild with
#     Go's build cache seconds)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSITYGW_VERSION=v1.8.0
ACTIONLINT_VERSION=v1.7.12
STATICCHECK_VERSION=v0.8.2

bin="$(go env GOPATH)/bin"
export PATH="$bin:$PATH"

# installed reports whether $1 is in $bin, built from module $2 at version $3.
installed() {
  [ -x "$bin/$1" ] && go version -m "$bin/$1" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

if ! installed versitygw github.com/versity/versitygw "$VERSITYGW_VERSION"; then
  echo "tools: installing versitygw ${VERSITYGW_VERSION}"
  go install "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}"
fi
if ! installed actionlint github.com/rhysd/actionlint "$ACTIONLINT_VERSION"; then
  echo "tools: installing actionlint ${ACTIONLINT_VERSION}"
  go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi
if ! installed staticcheck honnef.co/go/tools "$STATICCHECK_VERSION"; then
  echo "tools: installing staticcheck ${STATICCHECK_VERSION}"
  go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
fi
# The Pulumi CLI. Built as tools/preview's tool: pkg/v3's go.mod has replace
# directives, so `go install ...@version` cannot build it, and the offline
# review (tools/preview) compiles the same pkg/v3 packages. No -trimpath, so
# that this build and tools/preview's `go vet`/`go test` share the build cache.
PULUMI_VERSION=v3.276.0
# cli_version prints what CLI $1 reports as its version, or nothing.
cli_version() {
  PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null || true
}
if [ "$(cli_version tools/bin/pulumi)" != "$PULUMI_VERSION" ]; then
  mkdir -p tools/bin
  onpath="$(command -v pulumi || true)"
  if [ -n "$onpath" ] && [ "$(cli_version "$onpath")" = "$PULUMI_VERSION" ]; then
    # A copy, not a link: the CLI looks for its language hosts next to its
    # own resolved path, and the tests need the CLI without them.
    echo "tools: copying the Pulumi CLI ${PULUMI_VERSION} on PATH ($onpath) to tools/bin/pulumi"
    rm -f tools/bin/pulumi
    cp "$onpath" tools/bin/pulumi
  else
    echo "tools: building the Pulumi CLI ${PULUMI_VERSION} into tools/bin/pulumi (minutes the first time)"
    start=$SECONDS
    rm -f tools/bin/pulumi
    (cd tools/preview && go build \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}" \
      -o ../bin/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    echo "tools: built the Pulumi CLI in $((SECONDS - start)) s"
  fi
fi
# Also install shellcheck, for the scripts and (through actionlint) the workflows' run steps.
if ! command -v shellcheck >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "tools: installing shellcheck (Debian package)"
    apt-get update -qq >/dev/null && apt-get install -y -qq shellcheck >/dev/null
  else
    echo "tools: shellcheck is missing; install it (apt install shellcheck / brew install shellcheck)"
  fi
fi
# The policy evaluator: exact versions from the lock file.
if ! command -v npm >/dev/null 2>&1; then
  echo "tools: npm is missing: install Node.js 20 or later (apt install nodejs npm / brew install node)" >&2
  exit 1
fi
# npm ci deletes node_modules and installs it again: only when the lock file
# changed since the last install (.ci/run and test.sh both run this script).
lock_sum="$(sha256sum tools/iam-eval/package-lock.json | cut -d' ' -f1)"
if [ "$(cat tools/iam-eval/node_modules/.lab-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  npm ci --prefix tools/iam-eval --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_sum" >tools/iam-eval/node_modules/.lab-lock-sha256
fi
MOTO_VERSION=5.2.1
if ! moto_server --help >/dev/null 2>&1; then
  echo "tools: installing moto[server]==${MOTO_VERSION}"
  python3 -m pip install --quiet "moto[server]==${MOTO_VERSION}" || {
    echo "tools: could not install moto; install it with: pip install 'moto[server]==${MOTO_VERSION}'" >&2
    exit 1
  }
fi
echo "tools: iam-simulate $(node -p "require('./tools/iam-eval/package.json').dependencies['@cloud-copilot/iam-simulate']"), moto $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
echo "tools: versitygw $VERSITYGW_VERSION, actionlint $ACTIONLINT_VERSION, staticcheck $STATICCHECK_VERSION in $bin"
echo "tools: pulumi $(tools/bin/pulumi version) in tools/bin (for the tests only)"
