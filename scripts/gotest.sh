#!/usr/bin/env bash
# Runs the tests of PACKAGE... (default ./...) of the Go module in the current
# directory, as `go test -count=1 -timeout 20m [-run/-skip REGEXP]` does
# (but for go test's check that no process the test left behind still holds
# its output), and keeps the test binaries between runs, in .build/test-bin/
# of the repository (git-ignored). go test links every test binary again on every run: about
# 100 s of CPU on each run here, a dozen of them linking the AWS provider SDK.
# `go test -c -o DIR/` leaves a binary whose build ID still matches its
# sources as it is, so only the packages a change reaches are linked again.
#
#   scripts/gotest.sh [-run REGEXP] [-skip REGEXP] [PACKAGE...] [-- TESTFLAG...]
#
# TESTFLAGs go to every test binary as they are (go test's -args), such as
# the generators' -update (scripts/generate.sh).
#
# Two test binaries run at a time (the machine's two cores), each in its
# package's directory, the slowest of the last run first. Prints go test's
# line per package (ok or FAIL, and the time), then the whole output of each
# package that failed, and exits 1 if one did. No vet pass: test.sh runs
# `go vet ./...` (every analyzer, tests included) before.
set -euo pipefail

run="" skip="" pkgs=() flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    -run) run="$2"; shift 2 ;;
    -skip) skip="$2"; shift 2 ;;
    --) shift; flags=("$@"); break ;;
    -*) echo "usage: scripts/gotest.sh [-run REGEXP] [-skip REGEXP] [PACKAGE...] [-- TESTFLAG...]" >&2; exit 2 ;;
    *) pkgs+=("$1"); shift ;;
  esac
done
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)

repo="$(cd "$(dirname "$0")/.." && pwd)"
read -r module moddir <<<"$(go list -m -f '{{.Path}} {{.Dir}}')"
bins="$repo/.build/test-bin/${module//\//_}"
mkdir -p "$bins"

# The packages with tests, and where each binary goes: go test -c -o DIR/
# names a binary after the last element of the import path, so packages that
# share it (cmd/verify, internal/proof/verify) go to separate directories:
# gN/ for the Nth of the module's packages of that name, by import path, the
# same directory whatever PACKAGE list a run is given. (Assignments, not
# process substitutions: set -e stops here when go list fails.)
all="$(go list -f '{{.ImportPath}}' "$moddir/..." | sort)"
tested="$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{"\t"}}{{.Dir}}{{end}}' "${pkgs[@]}")"
declare -A count=() rank=() groups=()
while read -r pkg; do
  name="${pkg##*/}"
  rank[$pkg]="${count[$name]:-0}"
  count[$name]=$((${count[$name]:-0} + 1))
done <<<"$all"
lines=()
while IFS=$'\t' read -r pkg dir; do
  [ -n "$pkg" ] || continue
  n="${rank[$pkg]}"
  groups[$n]="${groups[$n]:-} $pkg"
  lines+=("$pkg"$'\t'"$dir"$'\t'"$bins/g$n/${pkg##*/}.test")
done <<<"$tested"
[ ${#lines[@]} -gt 0 ] || { echo "gotest: no test files in ${pkgs[*]}"; exit 0; }

for n in "${!groups[@]}"; do
  mkdir -p "$bins/g$n"
  # shellcheck disable=SC2086 # the group's import paths, one word each
  go test -c -vet=off -o "$bins/g$n/" ${groups[$n]}
done

# The last run's durations order this one: unknown packages first, then the
# slowest, so that two long ones do not end the run one after the other.
durations="$bins/durations"
touch "$durations"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for line in "${lines[@]}"; do
  pkg="${line%%$'\t'*}"
  secs="$(awk -v p="$pkg" '$2 == p { print $1 }' "$durations")"
  printf '%s\t%s\n' "${secs:-999999}" "$line"
done | sort -t$'\t' -k1,1nr | cut -f2- >"$work/queue"

# run PKG DIR BINARY: runs one binary in its package's directory and prints
# go test's line; its output stays in $work for a failure.
run() {
  local id start status=0 secs args=(-test.count=1 -test.timeout=20m -test.paniconexit0)
  if [ -n "$GOTEST_RUN" ]; then args+=(-test.run "$GOTEST_RUN"); fi
  if [ -n "$GOTEST_SKIP" ]; then args+=(-test.skip "$GOTEST_SKIP"); fi
  # The TESTFLAGs, one per line.
  if [ -n "$GOTEST_FLAGS" ]; then mapfile -t -O "${#args[@]}" args <<<"$GOTEST_FLAGS"; fi
  id="${1//\//_}"
  start="$(date +%s.%N)"
  # Without this script's variables and functions, as under go test; a
  # binary still running a minute after its own -test.timeout is killed.
  (cd "$2" && exec env -u GOTEST_WORK -u GOTEST_RUN -u GOTEST_SKIP -u GOTEST_FLAGS \
    -u 'BASH_FUNC_run%%' -u 'BASH_FUNC_run_line%%' timeout -k 10s 21m "$3" "${args[@]}") \
    >"$GOTEST_WORK/$id.log" 2>&1 || status=$?
  secs="$(echo "$start $(date +%s.%N)" | awk '{printf "%.3f", $2 - $1}')"
  echo "$secs $1" >>"$GOTEST_WORK/durations"
  if [ "$status" -eq 0 ]; then
    printf 'ok  \t%s\t%ss\n' "$1" "$secs"
  else
    echo "$1" >>"$GOTEST_WORK/failed"
    printf 'FAIL\t%s\t%ss\n' "$1" "$secs"
  fi
}
# run_line LINE: run with the fields of a queue line (PKG, DIR, BINARY).
run_line() {
  local pkg dir bin
  IFS=$'\t' read -r pkg dir bin <<<"$1"
  run "$pkg" "$dir" "$bin"
}
export -f run run_line
# go test puts its Go's bin first on the tests' PATH (Go 1.19): so do we.
# shellcheck disable=SC2016 # $1 is bash -c's argument, expanded there
PATH="$(go env GOROOT)/bin:$PATH" GOTEST_WORK="$work" GOTEST_RUN="$run" GOTEST_SKIP="$skip" \
  GOTEST_FLAGS="$(if [ ${#flags[@]} -gt 0 ]; then printf '%s\n' "${flags[@]}"; fi)" \
  xargs -P 2 -n 1 -d '\n' bash -c 'run_line "$1"' _ <"$work/queue" || xargs_status=$?

# Every package queued must have been run: run_line always returns 0, so a
# failing xargs, or fewer results than packages, is the runner's failure (a
# worker killed, the functions not exported), never a pass.
touch "$work/durations"
ran="$(wc -l <"$work/durations")"
if [ "${xargs_status:-0}" -ne 0 ] || [ "$ran" -ne ${#lines[@]} ]; then
  echo "gotest: ran $ran of ${#lines[@]} packages (xargs exit ${xargs_status:-0})" >&2
  exit 1
fi

# Keep the durations of packages this run did not run (another PACKAGE
# list); a run of some tests (-run) does not time its packages.
if [ -z "$run" ] && [ -s "$work/durations" ]; then
  { awk 'NR == FNR { ran[$2] = 1; next } !($2 in ran)' "$work/durations" "$durations"; cat "$work/durations"; } >"$work/all"
  mv "$work/all" "$durations"
fi

if [ -s "$work/failed" ]; then
  while read -r pkg; do
    echo "--- output of $pkg:"
    cat "$work/${pkg//\//_}.log"
  done <"$work/failed"
  echo "FAIL: $(wc -l <"$work/failed") of ${#lines[@]} packages"
  exit 1
fi
