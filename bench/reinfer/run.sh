#!/usr/bin/env bash
# bench/reinfer/run.sh: full re-inference of a project of 1,000,000 choice
# labels (333,334 tasks x 3, 1,000 workers), in-process (see reinfer.c and
# bench/README.md): read, inference and write-back timed apart, median of
# REPEAT runs. Build first: `make all`.
#
# Environment (defaults): TASKS (333334), LABELS (1000000), WORKERS (1000),
# CLASSES (4), METHOD (auto), REPEAT (5), THREADS (0), CHANGE (0: per million
# of the labels changed before each run after the first), KEEP_DATA (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${REINFER_BIN:-build/bench/reinfer}
[ -x "$BIN" ] || { echo "run.sh: $BIN is missing: run 'make all' first" >&2; exit 1; }
echo "tally reinfer bench: $(nproc) cores"
/usr/bin/time -f 'process: %e s wall, %U s user, %S s system, peak RSS %M kB' "$BIN"
