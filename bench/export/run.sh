#!/usr/bin/env bash
# bench/export/run.sh: export a project of TASKS (default 1,000,000) tasks with
# OVERLAP (3) annotations each in every format of the export table, in-process
# (no HTTP), and print tasks/s, MB/s, the ratio to a jsonl export of the same
# tasks without annotations, and each export's peak RSS, for SMALL (100,000)
# tasks too (see bench/README.md).
#
# build/bench/export makes its own throwaway data dir under TMPDIR (removed at
# the end unless KEEP_DATA=1); populating it is most of the run (the
# annotations go in through lease claims and submits). Build first:
# `make all`. A quick run: TASKS=20000 SMALL=2000 bench/export/run.sh
#
# Environment (defaults): EXPORT_BIN (build/bench/export), TASKS (1000000),
# SMALL (100000), OVERLAP (3), ANNOTATORS (256), THREADS (2), FORMATS (all;
# or a comma list such as jsonl,coco), KEEP_DATA (0; 1 keeps the populated
# data dir), REUSE (such a kept dir: export from it without populating).
set -euo pipefail
cd "$(dirname "$0")/../.."
EXPORT_BIN=${EXPORT_BIN:-build/bench/export}
export TASKS=${TASKS:-1000000} SMALL=${SMALL:-100000}

[ -x "$EXPORT_BIN" ] || { echo "run.sh: $EXPORT_BIN is missing: run 'make all' first" >&2; exit 1; }
if [ -n "${REUSE:-}" ]; then
    echo "tally export bench: $(nproc) cores, the data kept in $REUSE"
else
    echo "tally export bench: $(nproc) cores, $TASKS tasks (and $SMALL), overlap ${OVERLAP:-3}"
fi
t0=$(date +%s)
"$EXPORT_BIN"
echo "whole run: $(( $(date +%s) - t0 )) s"
