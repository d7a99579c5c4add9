#!/usr/bin/env bash
# Fresh-build time of two commits, alternating A B A B: `pip wheel --no-deps .` of a `git archive`
# of each (no build/ folder, no generated C), timed by /usr/bin/time.
#   bash benchmarks/build_time.sh 37b8ee1 HEAD [pairs]
# Run it on an otherwise idle machine; compare wall and CPU seconds pair by pair.
set -euo pipefail
a="${1:?first commit}" b="${2:?second commit}" pairs="${3:-2}"
root="$(git rev-parse --show-toplevel)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ref in "$a" "$b"; do
    mkdir "$work/$ref" && git -C "$root" archive "$ref" | tar -x -C "$work/$ref"
done
for i in $(seq "$pairs"); do
    for ref in "$a" "$b"; do
        rm -rf "$work/build" && cp -r "$work/$ref" "$work/build"
        /usr/bin/time -f "$ref run $i: %e s wall, %U+%S s CPU" \
            python3 -m pip wheel -q --no-deps -w "$work/wheels" "$work/build" 2>&1 | tail -1
    done
done
