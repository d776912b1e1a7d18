#!/usr/bin/env bash
# Creates a stack of the lab, ready to plan and deploy, without deploying it:
#   ./scripts/new-stack.sh STACK [--region REGION] [--expires-at TIME]
# On the backend of scripts/backend.sh, it
#   - creates the stack with the secrets provider LAB_SECRETS_PROVIDER names
#     (in CI with a self-managed backend: a KMS key, awskms://...), which the
#     stack's state then records for every later run (the commands read it
#     from there: PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER);
#   - records which repository created it (stack tag lab:created-by: the
#     reaper of this repository, and only it, reaps it once it expires);
#   - pins it to the AWS account of the current credentials
#     (aws:allowedAccountIds: the provider then refuses another account's,
#     and a destroy with them cannot drop the resources as "not found");
#   - sets aws:region (--region, else AWS_REGION, else us-east-1), and with
#     --expires-at (RFC 3339) its expiry (stack tag lab:expires-at, which the
#     reaper reads, and the expiresAt setting, which tags every resource);
#   - with LAB_PERMISSIONS_BOUNDARY_ARN, gives every role of the stack that
#     permissions boundary (permissionsBoundaryArn): the CI roles create and
#     change roles only with it.
# It needs the Pulumi CLI and the AWS CLI (for the account); a stack that
# exists already is left as it is (exit 2).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="./scripts/new-stack.sh STACK [--region REGION] [--expires-at TIME]"
stack="${1:-}"
case "$stack" in
  "" | -*) echo "new-stack: the stack comes first: $usage" >&2; exit 2 ;;
esac
shift
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
expires_at=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --region | --expires-at)
      if [ "$#" -lt 2 ]; then
        echo "new-stack: $1 needs a value: $usage" >&2
        exit 2
      fi
      if [ "$1" = --region ]; then region="$2"; else expires_at="$2"; fi
      shift 2
      ;;
    --region=*) region="${1#--region=}"; shift ;;
    --expires-at=*) expires_at="${1#--expires-at=}"; shift ;;
    *) echo "new-stack: unknown argument $1: $usage" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/backend.sh
. scripts/backend.sh
lab_check_expiry new-stack "$expires_at"
lab_require new-stack pulumi aws
backend="$(lab_backend)" || { echo "new-stack: could not run" >&2; exit 2; }
lab_pulumi_env "$backend"
secrets="$(lab_secrets_provider "$backend")" || { echo "new-stack: could not run" >&2; exit 2; }
owner="$(lab_owner .)" || { echo "new-stack: could not run" >&2; exit 2; }
account="$(aws sts get-caller-identity --query Account --output text)" || {
  echo "new-stack: could not tell the account of your AWS credentials (aws sts get-caller-identity)" >&2
  exit 2
}
if pulumi stack select --non-interactive "$stack" >/dev/null 2>&1; then
  echo "new-stack: stack $stack exists in $backend: deploy it with ./scripts/deploy.sh $stack" >&2
  exit 2
fi

if [ -n "$secrets" ]; then
  pulumi stack init --non-interactive --secrets-provider "$secrets" "$stack"
else
  pulumi stack init --non-interactive "$stack"
fi
pulumi stack tag set lab:created-by "$owner" --stack "$stack"
pulumi config set aws:region "$region" --stack "$stack"
pulumi config set --path 'aws:allowedAccountIds[0]' "$account" --type string --stack "$stack"
if [ -n "${LAB_PERMISSIONS_BOUNDARY_ARN:-}" ]; then
  pulumi config set s3-gateway-lab:permissionsBoundaryArn "$LAB_PERMISSIONS_BOUNDARY_ARN" --stack "$stack"
fi
if [ -n "$expires_at" ]; then
  pulumi stack tag set lab:expires-at "$expires_at" --stack "$stack"
  pulumi config set s3-gateway-lab:expiresAt "$expires_at" --stack "$stack"
fi
echo "new-stack: created $stack in $backend (region $region, account $account, created by $owner${expires_at:+, expires $expires_at})"
