#!/usr/bin/env bash
# Destroys a stack of the lab (default: dev) and removes it:
#   ./scripts/destroy.sh [stack] [pulumi destroy flags, e.g. --yes]
# Uses the same backend as scripts/deploy.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:-dev}"
[ "$#" -gt 0 ] && shift

# shellcheck source=scripts/backend.sh
. scripts/backend.sh
lab_require destroy pulumi
backend="$(lab_backend)" || { echo "destroy: could not run" >&2; exit 2; }
lab_pulumi_env "$backend"

# Preflight: the lab bucket refuses object reads and listings from outside the
# VPC to everyone but the stack's adminPrincipalArns, and destroy lists object
# versions, so a destroy by anyone else would stop half-way on 403s. Check the
# caller first, when the AWS CLI can tell who that is.
if command -v aws >/dev/null 2>&1; then
  admins="$(pulumi stack output adminPrincipalArns --json --stack "$stack" 2>/dev/null || true)"
  if [ -n "$admins" ] && [ "$admins" != "[]" ]; then
    # The role behind the session, with its path (SSO roles have one). When
    # it cannot be told (iam:GetRole on your own role refused), nothing is
    # destroyed: a destroy by someone the bucket refuses stops half-way.
    errors="$(mktemp)"
    trap 'rm -f "$errors"' EXIT
    if ! principal="$(scripts/caller-arn.sh 2>"$errors")"; then
      echo "destroy: cannot tell whether you are in the stack's adminPrincipalArns ($admins): $(cat "$errors")" >&2
      echo "destroy: your role needs iam:GetRole on itself (scripts/caller-arn.sh)" >&2
      exit 2
    fi
    admin=no
    IFS=, read -ra patterns <<< "$(printf '%s' "$admins" | tr -d '[]" \n')"
    for pattern in "${patterns[@]}"; do
      # shellcheck disable=SC2053 # the right side is an ArnLike pattern on purpose
      [[ "$principal" == $pattern ]] && admin=yes
    done
    if [ "$admin" = no ]; then
      echo "destroy: $principal is not in the stack's adminPrincipalArns ($admins): the lab bucket would refuse it half-way." >&2
      echo "destroy: run as one of them, or add it (pulumi config set --path 's3-gateway-lab:adminPrincipalArns[N]' ...) and run up first" >&2
      exit 2
    fi
  fi
else
  echo "destroy: the AWS CLI is not installed: not checking that you are in the stack's adminPrincipalArns" >&2
fi

pulumi destroy --stack "$stack" "$@"
pulumi stack rm --yes --preserve-config "$stack"
