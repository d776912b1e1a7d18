#!/usr/bin/env bash
# Deploys a stack of the lab (default: dev) with one command:
#   ./scripts/deploy.sh [stack] [pulumi up flags, e.g. --yes]
# State goes to the local backend (~/.pulumi) unless PULUMI_BACKEND_URL names
# another (Pulumi Cloud, s3://bucket, ...). The lab has no secrets, so the
# local backend's passphrase defaults to empty; set PULUMI_CONFIG_PASSPHRASE
# to use one.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:-dev}"
[ "$#" -gt 0 ] && shift

for tool in pulumi go; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "deploy: $tool is not installed: see README.md, Prerequisites" >&2
    exit 2
  fi
done

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://~}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

pulumi stack select --create --non-interactive "$stack"
if ! pulumi config get aws:region --stack "$stack" >/dev/null 2>&1; then
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
  echo "deploy: stack $stack has no aws:region; using $region"
  pulumi config set aws:region "$region" --stack "$stack"
fi
pulumi up --stack "$stack" "$@"
