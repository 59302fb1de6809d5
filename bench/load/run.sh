#!/usr/bin/env bash
# bench/load/run.sh: next+submit cycles per second with N concurrent annotators.
#
# Starts `tally serve` on a free loopback port with a temporary data dir,
# creates a tenant, a manager and N annotators with tokens (admin CLI), a
# project, imports TASKS tasks, runs build/bench/load for DURATION seconds
# and prints its figures plus the server's peak RSS. Everything is removed
# afterwards. Build first: `make all` (or `make bench`).
#
# Environment (defaults): TALLY_BIN (build/tally), LOAD_BIN (build/bench/load),
# ANNOTATORS (32), DURATION (20), OVERLAP (3), TASKS (100000),
# LEASE_SECONDS (1800), KEEP_DATA (0: delete the data dir at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
TALLY_BIN=${TALLY_BIN:-build/tally}
LOAD_BIN=${LOAD_BIN:-build/bench/load}
ANNOTATORS=${ANNOTATORS:-32}
DURATION=${DURATION:-20}
OVERLAP=${OVERLAP:-3}
TASKS=${TASKS:-100000}
LEASE_SECONDS=${LEASE_SECONDS:-1800}
KEEP_DATA=${KEEP_DATA:-0}

for b in "$TALLY_BIN" "$LOAD_BIN"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing: run 'make all' first" >&2; exit 1; }
done
[ "$ANNOTATORS" -ge 1 ] && [ "$ANNOTATORS" -le 256 ] || { echo "ANNOTATORS: 1..256" >&2; exit 2; }
[ "$TASKS" -ge 1 ] && [ "$TASKS" -le 5000000 ] || { echo "TASKS: 1..5000000" >&2; exit 2; }

. bench/lib.sh
bench_workdir load
bench_start_server
bench_project "$OVERLAP" "$LEASE_SECONDS" load

: >"$work/tokens"
for i in $(seq "$ANNOTATORS"); do
    email=annotator$i@bench.test
    bench_cli user create --email "$email" --role annotator --tenant bench >/dev/null
    bench_cli token create --email "$email" >>"$work/tokens"
    curl -fsS -o /dev/null -X POST "$url/api/v1/projects/$project/members" \
        -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$email\",\"role\":\"annotator\"}"
done

awk -v n="$TASKS" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"text\":\"bench item %d: the quick brown fox jumps over the lazy dog\",\"n\":%d}\n", i, i }' \
    >"$work/tasks.jsonl"
curl -fsS -o /dev/null -X POST "$url/api/v1/projects/$project/tasks" \
    -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$work/tasks.jsonl"

echo "tally load bench: $ANNOTATORS annotators, $TASKS tasks, overlap $OVERLAP, ${DURATION}s," \
     "$(nproc) cores, server $TALLY_BIN"
rc=0
# Server CPU time (user + system) over the run, from /proc: per cycle it is
# steadier than cycles/s on a VM whose speed drifts.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks0=$(cpu_ticks)
"$LOAD_BIN" --port "$port" --project "$project" --tokens "$work/tokens" \
    --duration "$DURATION" | tee "$work/load.out" || rc=$?
ticks1=$(cpu_ticks)
cycles=$(sed -n 's/^cycles (next+submit, 201): \([0-9]*\) .*/\1/p' "$work/load.out")
if [ -n "$cycles" ] && [ "$cycles" -gt 0 ]; then
    awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v c="$cycles" 'BEGIN {
        printf "server CPU: %.2f s, %.0f us per cycle\n", t / hz, t / hz * 1e6 / c }'
fi

curl -fsS "$url/api/v1/projects/$project" -H "Authorization: Bearer $mtoken" |
    /usr/bin/python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]; print("server counts:", c)'
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$server_pid/status")"
bench_stop_server || rc=1
exit "$rc"
