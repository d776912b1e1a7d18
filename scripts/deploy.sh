#!/usr/bin/env bash
# Deploys a stack of the lab (default: dev) with one command:
#   ./scripts/deploy.sh [stack] [--create [--region REGION] [--expires-at TIME]] [pulumi up flags, e.g. --yes]
# The stack must exist unless --create is given: a mistyped name never
# creates a new lab. --create makes a missing stack with
# scripts/new-stack.sh (secrets provider, lab:created-by, the account pinned,
# region, expiry) before the update.
# --expires-at (RFC 3339, UTC or with an offset: 2026-12-07T18:00:00Z) gives
# the stack an expiry: the stack tag lab:expires-at, which the reaper
# (cmd/reap) reads, and the expiresAt setting, which tags every resource.
# Without it, the stack keeps the expiry it has (a new stack: none, never
# reaped).
# State goes to PULUMI_BACKEND_URL (s3://bucket/prefix, ...), or Pulumi Cloud
# when PULUMI_ACCESS_TOKEN is set, else the local backend (~/.pulumi) -
# except in CI, where it refuses to run without a shared backend
# (scripts/backend.sh). A stack's secrets provider comes from its state.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="./scripts/deploy.sh STACK [--create [--region REGION] [--expires-at TIME]] [pulumi up flags]"
stack="${1:-dev}"
case "$stack" in
  -*) echo "deploy: the stack comes first: $usage" >&2; exit 2 ;;
esac
[ "$#" -gt 0 ] && shift
expires_at=""
region=""
create=no
up_flags=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --create) create=yes; shift ;;
    --expires-at | --region)
      if [ "$#" -lt 2 ]; then
        echo "deploy: $1 needs a value: $usage" >&2
        exit 2
      fi
      if [ "$1" = --region ]; then region="$2"; else expires_at="$2"; fi
      shift 2
      ;;
    --expires-at=*) expires_at="${1#--expires-at=}"; shift ;;
    --region=*) region="${1#--region=}"; shift ;;
    *) up_flags+=("$1"); shift ;;
  esac
done
# shellcheck source=scripts/backend.sh
. scripts/backend.sh
lab_check_expiry deploy "$expires_at"
lab_require deploy pulumi go
backend="$(lab_backend)" || { echo "deploy: could not run" >&2; exit 2; }
lab_pulumi_env "$backend"

fresh=no
[ -f "Pulumi.$stack.yaml" ] || fresh=yes
if ! pulumi stack select --non-interactive "$stack" >/dev/null 2>&1; then
  if [ "$create" = no ]; then
    echo "deploy: no stack $stack in $backend; to create it, run: ./scripts/deploy.sh $stack --create" >&2
    exit 2
  fi
  args=("$stack")
  [ -n "$region" ] && args+=(--region "$region")
  [ -n "$expires_at" ] && args+=(--expires-at "$expires_at")
  scripts/new-stack.sh "${args[@]}" || exit $?
  pulumi stack select --non-interactive "$stack"
  expires_at="" # set with the stack
elif [ -n "$region" ]; then
  echo "deploy: --region is for a stack --create makes; $stack has its region (pulumi config set aws:region ... --stack $stack)" >&2
  exit 2
elif [ "$fresh" = yes ]; then
  # A stack's settings live in its stack file, which a checkout other than
  # the one that made the stack lacks (a CI runner's): take them from the
  # stack's last update (its account pin and boundary among them), else
  # pin it again to the account of these credentials.
  if ! pulumi config refresh --force --stack "$stack" >/dev/null 2>&1; then
    echo "deploy: stack $stack has no update to take its settings from"
  fi
  if ! pulumi config get aws:allowedAccountIds --stack "$stack" >/dev/null 2>&1 && command -v aws >/dev/null 2>&1; then
    account="$(aws sts get-caller-identity --query Account --output text)"
    echo "deploy: pinning stack $stack to account $account"
    pulumi config set --path 'aws:allowedAccountIds[0]' "$account" --type string --stack "$stack"
  fi
  if [ -n "${LAB_PERMISSIONS_BOUNDARY_ARN:-}" ] && ! pulumi config get s3-gateway-lab:permissionsBoundaryArn --stack "$stack" >/dev/null 2>&1; then
    pulumi config set s3-gateway-lab:permissionsBoundaryArn "$LAB_PERMISSIONS_BOUNDARY_ARN" --stack "$stack"
  fi
fi
if ! pulumi config get aws:region --stack "$stack" >/dev/null 2>&1; then
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  echo "deploy: stack $stack has no aws:region; using $region"
  pulumi config set aws:region "$region" --stack "$stack"
fi
if [ -n "$expires_at" ]; then
  pulumi stack tag set lab:expires-at "$expires_at" --stack "$stack"
  pulumi config set s3-gateway-lab:expiresAt "$expires_at" --stack "$stack"
fi
pulumi up --stack "$stack" ${up_flags[@]+"${up_flags[@]}"}
