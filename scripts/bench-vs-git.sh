#!/usr/bin/env bash
# Time a whole `policywatch diff A B --format json` process against
# `git diff --no-index --word-diff A B` on the same pair, N runs each,
# alternating, and print the median wall time of both and their ratio.
#
# Usage: scripts/bench-vs-git.sh [OLD NEW [RUNS]]
#   Without files, two consecutive Basecamp privacy-policy versions bundled
#   in snapshots/ are used. RUNS defaults to 20.
#   Needs the release binary: cargo build --release. Its path is taken from
#   POLICYWATCH_BIN, else $CARGO_TARGET_DIR/release, else target/release.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 2 ]; then
    old=$1
    new=$2
    runs=${3:-20}
else
    dir=$root/snapshots/basecamp/privacy-policy
    old=$dir/096-2023-05-25-609707b.md
    new=$dir/097-2023-07-27-d0a5e21.md
    runs=${1:-20}
fi
bin=${POLICYWATCH_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/policywatch}

die() { echo "bench-vs-git: $*" >&2; exit 2; }
[ -x "$bin" ] || die "no release binary at $bin (run: cargo build --release)"
command -v git >/dev/null || die "git not found"
for f in "$old" "$new"; do [ -r "$f" ] || die "cannot read $f"; done
case $runs in '' | *[!0-9]* | 0) die "RUNS must be a positive integer, got '$runs'" ;; esac

# Both tools exit 1 when the inputs differ; only 2 and above is a failure.
run_once() {
    local rc=0
    "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" -le 1 ] || die "'$*' failed with exit code $rc"
}

# Wall time of one run in microseconds, from bash's own clock (no fork).
time_us() {
    local t0=${EPOCHREALTIME/./} t1
    run_once "$@"
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0))
}

# The two tools run alternately, so a change in the machine's load during the
# measurement affects both alike; each is summarised by its median.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
run_once "$bin" diff "$old" "$new" --format json
run_once git diff --no-index --word-diff "$old" "$new"
pw_times=() gd_times=()
for ((i = 0; i < runs; i++)); do
    pw_times+=("$(time_us "$bin" diff "$old" "$new" --format json)")
    gd_times+=("$(time_us git diff --no-index --word-diff "$old" "$new")")
done
pw=$(printf '%s\n' "${pw_times[@]}" | median)
gd=$(printf '%s\n' "${gd_times[@]}" | median)

echo "pair: $old -> $new ($(wc -c <"$old") + $(wc -c <"$new") bytes), $runs runs each, alternating, medians"
awk -v pw="$pw" -v gd="$gd" 'BEGIN {
    printf "policywatch diff --format json: %8.2f ms\n", pw / 1e3
    printf "git diff --no-index --word-diff: %8.2f ms\n", gd / 1e3
    printf "ratio policywatch / git:         %8.2f (target <= 2)\n", pw / gd
}'
