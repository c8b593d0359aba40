#!/usr/bin/env bash
# Time a whole `policywatch diff A B --format json` process against
# `git diff --no-index --word-diff A B` on the same pair, over N runs each,
# and print the mean wall time of both and their ratio.
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

# Mean wall time of one run, in nanoseconds, after one warm-up run.
mean_ns() {
    run_once "$@"
    local start end i
    start=$(date +%s%N)
    for ((i = 0; i < runs; i++)); do
        run_once "$@"
    done
    end=$(date +%s%N)
    echo $(((end - start) / runs))
}

pw=$(mean_ns "$bin" diff "$old" "$new" --format json)
gd=$(mean_ns git diff --no-index --word-diff "$old" "$new")

echo "pair: $old -> $new ($(wc -c <"$old") + $(wc -c <"$new") bytes), $runs runs each"
awk -v pw="$pw" -v gd="$gd" 'BEGIN {
    printf "policywatch diff --format json: %8.2f ms\n", pw / 1e6
    printf "git diff --no-index --word-diff: %8.2f ms\n", gd / 1e6
    printf "ratio policywatch / git:         %8.2f (target <= 2)\n", pw / gd
}'
