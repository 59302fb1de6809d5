#!/usr/bin/env bash
# bench/quality/run.sh: time the quality engine end to end from CSV, as issue 3
# asks, and print the figures docs/quality.md reports.
#
#   1. a synthetic 1,000,000-label set (100,000 tasks x 10 labels, 1,000
#      workers of accuracy uniform in [0.35, 0.95], 5 classes, seed 42):
#      `tally aggregate --method M` for every method;
#   2. 100,000 battles between 50 models: `tally leaderboard --bootstrap 1000`;
#   3. every dataset in $TALLY_TESTDATA/crowd: every method.
#
# Each figure is the best and the median of REPEAT runs (3) of the command in
# a child process with stdout to /dev/null, and the largest peak RSS. The
# numbers are measurements for the record, never assertions. Build first:
# `make all`. Environment: BENCH_BIN (build/bench/quality), TALLY_BIN
# (build/tally, the binary timed), REPEAT (3),
# TALLY_TESTDATA (../shared/data).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_BIN=${BENCH_BIN:-build/bench/quality}
export TALLY_BIN=${TALLY_BIN:-build/tally}
REPEAT=${REPEAT:-3}
DATA=${TALLY_TESTDATA:-../shared/data}
for b in "$BENCH_BIN" "$TALLY_BIN"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing: run 'make all' first" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench-quality.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "tally quality bench: $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH_BIN" gen-labels --out "$work/labels.csv" --tasks 100000 --per-task 10 --workers 1000 \
    --classes 5 --seed 42
"$BENCH_BIN" gen-battles --out "$work/battles.csv" --battles 100000 --models 50 --seed 42

printf '\n1,000,000 labels (%s MB), tally aggregate --method M:\n' \
    "$(du -m "$work/labels.csv" | cut -f1)"
for m in mv wmv ds onecoin glad mace auto; do
    printf '  %-8s ' "$m"
    "$BENCH_BIN" time --repeat "$REPEAT" -- aggregate --method "$m" "$work/labels.csv"
done

printf '\n100,000 battles, 50 models, tally leaderboard --bootstrap 1000:\n'
for m in bt elo; do
    printf '  %-8s ' "$m"
    "$BENCH_BIN" time --repeat "$REPEAT" -- leaderboard --method "$m" --bootstrap 1000 \
        "$work/battles.csv"
done

if [ -d "$DATA/crowd" ]; then
    printf '\nreal datasets (%s), tally aggregate --method M, best of %s:\n' "$DATA/crowd" "$REPEAT"
    for d in "$DATA"/crowd/*/; do
        name=$(basename "$d")
        for m in mv ds glad mace auto; do
            printf '  %-10s %-5s ' "$name" "$m"
            "$BENCH_BIN" time --repeat "$REPEAT" -- aggregate --method "$m" "$d/answer.csv" \
                2>&1 | grep -v 'dropped'
        done
    done
else
    echo "(no $DATA/crowd: real-data timings skipped)"
fi
