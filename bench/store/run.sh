#!/usr/bin/env bash
# bench/store/run.sh: validate and store ANNOTATIONS (default 1,000,000) span
# and box annotations in-process (no HTTP) and print annotations/s for the
# check alone, the store alone and both, with peak RSS (see bench/README.md).
#
# build/bench/store makes its own throwaway data dir under TMPDIR (removed at
# the end unless KEEP_DATA=1). Build first: `make all`. With PERF=1 the run
# is recorded with `perf record -g` (the report's path is printed).
#
# Environment (defaults): STORE_BIN (build/bench/store), ANNOTATIONS
# (1000000), THREADS (2), ANNOTATORS (256), OVERLAP (3), BREAKDOWN (100000),
# PHASES (validate,store,both), PERF (0), KEEP_DATA (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
STORE_BIN=${STORE_BIN:-build/bench/store}
PERF=${PERF:-0}
export ANNOTATIONS=${ANNOTATIONS:-1000000} THREADS=${THREADS:-2} ANNOTATORS=${ANNOTATORS:-256}

[ -x "$STORE_BIN" ] || { echo "run.sh: $STORE_BIN is missing: run 'make all' first" >&2; exit 1; }
echo "tally store bench: $(nproc) cores, $ANNOTATIONS annotations, $ANNOTATORS annotators," \
     "$THREADS threads"
if [ "$PERF" = 1 ]; then
    out=$(mktemp "${TMPDIR:-/tmp}/tally-bench-store.XXXXXX.perf")
    perf record -F 499 -g -o "$out" "$STORE_BIN"
    echo "perf data: $out (perf report -i $out --no-children --sort pid,sym)"
else
    /usr/bin/time -f 'process: %e s wall, %U s user, %S s system, peak RSS %M kB' "$STORE_BIN"
fi
