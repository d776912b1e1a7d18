#!/usr/bin/env bash
# Destroys a stack of the lab (default: dev) and removes it:
#   ./scripts/destroy.sh [stack] [pulumi destroy flags, e.g. --yes]
# Uses the same backend as scripts/deploy.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:-dev}"
[ "$#" -gt 0 ] && shift

if ! command -v pulumi >/dev/null 2>&1; then
  echo "destroy: pulumi is not installed: see README.md, Prerequisites" >&2
  exit 2
fi
# shellcheck source=scripts/backend.sh
. scripts/backend.sh
backend="$(lab_backend)" || { echo "destroy: could not run" >&2; exit 2; }
export PULUMI_BACKEND_URL="$backend"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

pulumi destroy --stack "$stack" "$@"
pulumi stack rm --yes --preserve-config "$stack"
