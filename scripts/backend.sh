#!/usr/bin/env bash
# Sourced by deploy.sh, new-stack.sh and destroy.sh: what they check alike
# (lab_require, lab_check_expiry), and chooses the Pulumi state backend with
# the rule internal/ops/pulumicli.SharedBackend applies to the Go commands:
#   PULUMI_BACKEND_URL if set; else Pulumi Cloud if PULUMI_ACCESS_TOKEN is set;
#   else, outside CI only, the local backend (~/.pulumi). In CI (CI set and not
#   false, or GITHUB_ACTIONS=true) it fails instead: state on a runner's disk is
#   lost with the runner, and its stacks could never be destroyed.

# lab_require NAME TOOL...: every TOOL is on PATH, or NAME (the calling
# script) says which is missing and exits 2.
lab_require() {
  local name="$1" tool
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$name: $tool is not installed: see README.md, Prerequisites" >&2
      exit 2
    fi
  done
}

# lab_check_expiry NAME TIME: TIME is empty or an RFC 3339 time (the
# lab:expires-at tag's format), or NAME says so and exits 2.
lab_check_expiry() {
  if [ -n "$2" ] && ! [[ "$2" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$ ]]; then
    echo "$1: --expires-at $2 is not an RFC 3339 time: give one such as 2026-12-07T18:00:00Z" >&2
    exit 2
  fi
}

# lab_in_ci succeeds in a CI run.
lab_in_ci() {
  [ "${GITHUB_ACTIONS:-}" = "true" ] && return 0
  case "${CI:-}" in
    "" | false | FALSE | False | 0) return 1 ;;
  esac
  return 0
}

# lab_backend prints the backend URL, or explains and returns 2.
lab_backend() {
  if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
    echo "$PULUMI_BACKEND_URL"
  elif [ -n "${PULUMI_ACCESS_TOKEN:-}" ]; then
    echo "https://api.pulumi.com"
  elif lab_in_ci; then
    echo "no shared state backend: in CI, set PULUMI_BACKEND_URL (such as s3://my-state-bucket) or PULUMI_ACCESS_TOKEN (Pulumi Cloud); state on a CI runner's disk is lost with the runner" >&2
    return 2
  else
    echo "file://~"
  fi
}

# lab_pulumi_env exports what every Pulumi command of the scripts runs with
# (the rule of internal/ops/pulumicli.Env): the backend $1; a stack's secrets
# provider taken from its state when no local stack file names it (a fresh
# checkout: PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, so that no command
# gives the state a new one); outside CI an empty passphrase when none is
# set (the lab keeps no secrets of its own), in CI never one.
lab_pulumi_env() {
  export PULUMI_BACKEND_URL="$1"
  export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true
  if ! lab_in_ci; then
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
  fi
}

# lab_secrets_provider prints the secrets provider for a stack created on
# backend $1 (the rule of internal/ops/pulumicli.SecretsProvider):
# LAB_SECRETS_PROVIDER when set (awskms://KEY?region=REGION with an S3
# backend, passphrase, default); else nothing (Pulumi's default). In CI, a
# self-managed backend needs a key (awskms://...): every job, the
# pull-request preview included, then reads the stack's secrets with the
# key's rights alone, and none ever needs a passphrase. It explains and
# returns 2 otherwise.
lab_secrets_provider() {
  local p="${LAB_SECRETS_PROVIDER:-}" cloud=no
  [ "$1" = "https://api.pulumi.com" ] && cloud=yes
  case "$p" in
    awskms://?* | azurekeyvault://?* | gcpkms://?* | hashivault://?*)
      echo "$p"
      ;;
    passphrase | default | "")
      if lab_in_ci && [ "$cloud" = no ]; then
        echo "${p:-no secrets provider}: in CI with a self-managed backend, set LAB_SECRETS_PROVIDER to a key (such as awskms://alias/pulumi-secrets?region=us-east-1): every job, the pull-request preview too, then reads the stack with the key's rights and no passphrase" >&2
        return 2
      fi
      echo "$p"
      ;;
    *)
      echo "LAB_SECRETS_PROVIDER=$p: accepted passphrase, default, or a key URL of awskms://, azurekeyvault://, gcpkms://, hashivault://" >&2
      return 2
      ;;
  esac
}

# lab_owner prints the repository whose commands run here, the value of the
# lab:created-by stack tag (the rule of internal/ops/pulumicli.Owner): LAB_OWNER;
# else in GitHub Actions the server's host and GITHUB_REPOSITORY; else the
# git remote origin's URL as host/path. It explains and returns 2 when
# neither can tell.
lab_owner() {
  if [ -n "${LAB_OWNER:-}" ]; then
    printf '%s\n' "$LAB_OWNER"
    return 0
  fi
  if [ -n "${GITHUB_REPOSITORY:-}" ]; then
    local server="${GITHUB_SERVER_URL:-https://github.com}"
    server="${server#https://}"
    printf '%s/%s\n' "${server#http://}" "$GITHUB_REPOSITORY"
    return 0
  fi
  local url
  if ! url="$(git -C "${1:-.}" remote get-url origin 2>/dev/null)"; then
    echo "cannot tell which repository this is: set LAB_OWNER (such as github.com/my-org/my-lab) or run from a clone with a remote named origin" >&2
    return 2
  fi
  lab_normalize_remote "$url"
}

# lab_normalize_remote prints git remote URL $1 as host/path (the rule of
# internal/ops/pulumicli.NormalizeRemote).
lab_normalize_remote() {
  local url="$1" u host path scheme=no
  u="$url"
  case "$u" in
    file://*) u="${u#file://}"; u="${u%/}"; printf '%s\n' "${u%.git}"; return 0 ;;
    *://*) u="${u#*://}"; scheme=yes ;;
  esac
  if [ "$scheme" = yes ]; then
    case "${u%%/*}" in *@*) u="${u#*@}" ;; esac
    host="${u%%/*}"
    path="${u#*/}"
  else
    local head="${u%%[:/]*}"
    case "$head" in *@*) u="${u#*@}" ;; esac
    case "$u" in
      [!/]*:*) host="${u%%:*}" ;;
      *) u="${url%/}"; printf '%s\n' "${u%.git}"; return 0 ;;
    esac
    case "$host" in
      */*) u="${url%/}"; printf '%s\n' "${u%.git}"; return 0 ;;
    esac
    path="${u#*:}"
  fi
  host="${host%%:*}"
  path="${path#/}"
  path="${path%/}"
  path="${path%.git}"
  printf '%s/%s\n' "$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]')" "$path"
}
