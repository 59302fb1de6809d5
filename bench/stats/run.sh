#!/usr/bin/env bash
# bench/stats/run.sh: a project's charts (GET /api/v1/projects/{id}/stats,
# bucket minute, hour and day) and /me/stats at TASKS (default 1,000,000)
# tasks with one annotation each, in-process (see stats.c and
# bench/README.md): the store's own calls, timed REPEAT times each.
#
# build/bench/stats makes its own throwaway data dir under TMPDIR (removed
# at the end unless KEEP_DATA=1). Build first: `make all`. STATS_BIN may
# point at the same program linked with an older libtally.a to time the
# code before the counters on the same data.
#
# Environment (defaults): STATS_BIN (build/bench/stats), TASKS (1000000),
# LIVE (20000), ANNOTATORS (256), SPREAD_MS (6000), REPEAT (20), THREADS (2),
# KEEP_DATA (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
STATS_BIN=${STATS_BIN:-build/bench/stats}
[ -x "$STATS_BIN" ] || { echo "run.sh: $STATS_BIN is missing: run 'make all' first" >&2; exit 1; }
echo "tally stats bench: $(nproc) cores, ${TASKS:-1000000} tasks"
/usr/bin/time -f 'process: %e s wall, %U s user, %S s system, peak RSS %M kB' "$STATS_BIN"
