#!/usr/bin/env bash
# Measures what a new user waits for: a fresh clone of this checkout's HEAD
# run through .ci/run (which runs the README's test command,
# ./scripts/test.sh), as on a new machine: empty Go build and module caches,
# a GOPATH of its own (so the pinned tools are installed again) and no
# Pulumi CLI on PATH. Prints the wall time, each step of test.sh, the
# slowest test packages and the peak memory, and keeps the full log.
#
#   scripts/measure.sh [--with-cli] [--warm] [--keep-modules]
#
#   --with-cli      a Pulumi CLI of the pinned version on PATH (this
#                   checkout's tools/bin/pulumi), as the README's
#                   prerequisites install it: nothing to build
#   --warm          then run ./scripts/test.sh again in the same clone, with
#                   the caches the first run filled
#   --keep-modules  use this machine's Go module cache (no downloads): the
#                   build cache stays empty
#
# It changes nothing in this checkout; the clone, its caches and the logs
# are in a temporary directory it names. Not a new machine in everything:
# moto, when installed, is not installed again, and npm's cache in $HOME
# stays warm.
set -euo pipefail
cd "$(dirname "$0")/.."

with_cli=false warm=false keep_modules=false
for arg in "$@"; do
  case "$arg" in
    --with-cli) with_cli=true ;;
    --warm) warm=true ;;
    --keep-modules) keep_modules=true ;;
    *) echo "usage: scripts/measure.sh [--with-cli] [--warm] [--keep-modules]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
echo "measure: in $work"
git clone --quiet . "$work/repo"
mkdir -p "$work/gocache" "$work/gopath" "$work/path"

# PATH without any pulumi: a directory that holds one (with node, go or git
# beside it, as /usr/local/bin on a CI image) is replaced by a directory of
# links to everything in it but pulumi and its plugins.
clean_path=""
n=0
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] || continue
  if [ -e "$d/pulumi" ]; then
    n=$((n + 1))
    mkdir -p "$work/nopulumi/$n"
    for f in "$d"/*; do
      case "$(basename "$f")" in pulumi | pulumi-*) continue ;; esac
      ln -s "$f" "$work/nopulumi/$n/"
    done
    d="$work/nopulumi/$n"
  fi
  clean_path="${clean_path:+$clean_path:}$d"
done
if "$with_cli"; then
  if [ ! -x tools/bin/pulumi ]; then
    echo "measure: --with-cli needs tools/bin/pulumi here (bash scripts/tools.sh builds it)" >&2
    exit 2
  fi
  cp tools/bin/pulumi "$work/path/pulumi"
  clean_path="$work/path:$clean_path"
fi

env_vars=(
  "PATH=$clean_path"
  "GOCACHE=$work/gocache"
  "GOPATH=$work/gopath"
  "CI=true"
)
if "$keep_modules"; then
  env_vars+=("GOMODCACHE=$(go env GOMODCACHE)")
else
  env_vars+=("GOMODCACHE=$work/gopath/pkg/mod")
fi

# report LOG SECONDS: the breakdown of one run.
report() {
  echo "wall: $2 s"
  # No line to find (a run that stopped early) is no error: || true, as
  # pipefail would otherwise end this script before the next run.
  { grep -E '^-- ' "$1" || true; } | sed 's/^-- /  /'
  echo "slowest test packages:"
  { grep -E '^ok[[:space:]]' "$1" || true; } | awk '{t=$NF; sub(/s$/, "", t); print t, $2}' | sort -rn | head -10 | awk '{printf "  %6.1f s  %s\n", $1, $2}' || true
  { grep -E 'Maximum resident set size' "$1" || true; } | awk '{printf "largest process peak memory (RSS): %.1f GB\n", $NF / 1048576}'
}

timer=()
if /usr/bin/time -v true >/dev/null 2>&1; then timer=(/usr/bin/time -v); fi # GNU time

start=$SECONDS
status=0
(cd "$work/repo" && env "${env_vars[@]}" "${timer[@]}" bash .ci/run) >"$work/cold.log" 2>&1 || status=$?
echo "== fresh clone, .ci/run$("$with_cli" && echo ', Pulumi CLI on PATH')$("$keep_modules" && echo ', module cache kept') (exit $status)"
report "$work/cold.log" $((SECONDS - start))

if "$warm"; then
  start=$SECONDS
  (cd "$work/repo" && env "${env_vars[@]}" "${timer[@]}" ./scripts/test.sh) >"$work/warm.log" 2>&1 || status=$?
  echo "== the same clone, ./scripts/test.sh again (warm caches) (exit $status)"
  report "$work/warm.log" $((SECONDS - start))
fi
logs="$work/cold.log"
if "$warm"; then logs="$logs and $work/warm.log"; fi
echo "measure: logs in $logs; remove $work when done (chmod -R u+w first: the module cache is read-only)"
exit "$status"
