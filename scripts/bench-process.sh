#!/usr/bin/env bash
# Whole-process comparison on the three realistic pairs of benches/RESULTS.md:
# Basecamp privacy 096 -> 097 (24 KB), seed 002 -> its later version (50 KB),
# and a ~1 MB pair made of 60 consecutive Basecamp privacy versions (old =
# versions 1-60, new = 2-61, concatenated; written to a temporary directory,
# never to the repository). For each pair it runs scripts/bench-vs-git.sh
# REPEAT times (wall time, noisy on a shared machine) and, when valgrind is
# installed, prints the callgrind instruction count of one policywatch run
# (noise-free).
#
# Usage: scripts/bench-process.sh [RUNS [REPEAT]]   (defaults 20 and 3)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
repeat=${2:-3}
bin=${POLICYWATCH_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/policywatch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pp=$root/snapshots/basecamp/privacy-policy
mapfile -t versions < <(ls "$pp" | head -61)
(cd "$pp" && cat "${versions[@]:0:60}") >"$tmp/1mb-old.md"
(cd "$pp" && cat "${versions[@]:1:60}") >"$tmp/1mb-new.md"

pairs=(
    "$pp/096-2023-05-25-609707b.md $pp/097-2023-07-27-d0a5e21.md"
    "$root/snapshots/seeds/002_e5a96dd1cf53a070.txt $root/snapshots/seeds-later/002.txt"
    "$tmp/1mb-old.md $tmp/1mb-new.md"
)
for pair in "${pairs[@]}"; do
    read -r old new <<<"$pair"
    for ((i = 0; i < repeat; i++)); do
        "$root/scripts/bench-vs-git.sh" "$old" "$new" "$runs" | tail -3
    done
    if command -v valgrind >/dev/null; then
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" diff "$old" "$new" \
            --format json 2>&1 >/dev/null | grep -o 'refs: .*' || true
    fi
    echo
done
