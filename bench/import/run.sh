#!/usr/bin/env bash
# bench/import/run.sh: import TASKS (default 1,000,000) JSONL tasks into one
# project and print tasks/s and the server's peak RSS (VmHWM).
#
# Generates the file with build/bench/import (gen.c), starts `tally serve` on
# a free loopback port with a temporary data dir, creates a tenant, a manager
# and a project, then POSTs the file in batches of BATCH lines (each batch
# must fit the import cap: 64 MiB by default, ~125 bytes a line here), one
# after another, and times them end to end (client and server on one
# machine). Everything is removed afterwards. Build first: `make all`.
#
# Environment (defaults): TALLY_BIN (build/tally), GEN_BIN (build/bench/import),
# TASKS (1000000), BATCH (250000), MAX_IMPORT_BODY (unset: the server's
# default; e.g. 268435456 with BATCH=1000000 for a single request),
# FORMAT (jsonl, array: each batch sent as one JSON array, or csv: text/csv
# with the header repeated per batch), PREDICTIONS (0: pre-labels per task,
# JSON formats only), KEEP_DATA (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
TALLY_BIN=${TALLY_BIN:-build/tally}
GEN_BIN=${GEN_BIN:-build/bench/import}
TASKS=${TASKS:-1000000}
BATCH=${BATCH:-250000}
MAX_IMPORT_BODY=${MAX_IMPORT_BODY:-}
KEEP_DATA=${KEEP_DATA:-0}
FORMAT=${FORMAT:-jsonl}
PREDICTIONS=${PREDICTIONS:-0}

for b in "$TALLY_BIN" "$GEN_BIN"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing: run 'make all' first" >&2; exit 1; }
done
[ "$TASKS" -ge 1 ] && [ "$TASKS" -le 20000000 ] || { echo "TASKS: 1..20000000" >&2; exit 2; }
[ "$BATCH" -ge 1 ] || { echo "BATCH: >= 1" >&2; exit 2; }

. bench/lib.sh
bench_workdir import

now() { date +%s.%N; }

t=$(now)
if [ "$FORMAT" = csv ]; then
    "$GEN_BIN" --lines "$TASKS" --csv --out "$work/tasks.jsonl"
    tail -n +2 "$work/tasks.jsonl" | split -l "$BATCH" -d -a 4 - "$work/batch."
    for f in "$work"/batch.*; do
        { head -n 1 "$work/tasks.jsonl"; cat "$f"; } >"$f.csv" && mv "$f.csv" "$f"
    done
else
    "$GEN_BIN" --lines "$TASKS" --predictions "$PREDICTIONS" --out "$work/tasks.jsonl"
    split -l "$BATCH" -d -a 4 "$work/tasks.jsonl" "$work/batch."
fi
ctype=application/x-ndjson
[ "$FORMAT" = csv ] && ctype=text/csv
if [ "$FORMAT" = array ]; then
    ctype=application/json
    for f in "$work"/batch.*; do
        { echo '['; sed '$!s/$/,/' "$f"; echo ']'; } >"$f.json" && mv "$f.json" "$f"
    done
fi
echo "generated $TASKS tasks, $(du -m "$work/tasks.jsonl" | cut -f1) MB, in" \
     "$(printf %.2f "$(echo "$(now) - $t" | bc)") s; batches of $BATCH lines"

extra=()
[ -n "$MAX_IMPORT_BODY" ] && extra=(--max-import-body "$MAX_IMPORT_BODY")
bench_start_server "${extra[@]}"
bench_project 1 1800 import
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")

rc=0
t0=$(now)
for f in "$work"/batch.*; do
    tb=$(now)
    code=$(curl -sS -o "$work/resp" -w '%{http_code}' -X POST \
        "$url/api/v1/projects/$project/tasks" -H "Authorization: Bearer $mtoken" \
        -H "Content-Type: $ctype" --data-binary @"$f")
    te=$(now)
    lines=$(grep -c '^[{"]' "$f")
    if [ "$code" != 201 ]; then
        echo "batch $(basename "$f"): HTTP $code $(head -c 300 "$work/resp")" >&2
        rc=1
        break
    fi
    printf 'batch %s: %d tasks, %d bytes, %.3f s\n' "$(basename "$f")" "$lines" \
        "$(stat -c %s "$f")" "$(echo "$te - $tb" | bc)"
done
t1=$(now)
secs=$(echo "$t1 - $t0" | bc)

tasks=$(curl -fsS "$url/api/v1/projects/$project" -H "Authorization: Bearer $mtoken" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["tasks"])')
echo "tally import bench: $(nproc) cores, server $TALLY_BIN, $FORMAT, $PREDICTIONS predictions/task${MAX_IMPORT_BODY:+, --max-import-body $MAX_IMPORT_BODY}"
printf 'imported %d tasks (server counts %d) in %.2f s = %.0f tasks/s\n' "$TASKS" "$tasks" \
    "$secs" "$(echo "$TASKS / $secs" | bc -l)"
sleep 1 # let the server give memory back after its last answer
echo "server RSS before import: $rss_before kB; peak RSS (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$server_pid/status");" \
     "RSS after: $(awk '/VmRSS/ {print $2, $3}' "/proc/$server_pid/status")"
echo "data dir size: $(du -sm "$data" | cut -f1) MB"
[ "$tasks" = "$TASKS" ] || rc=1
bench_stop_server || rc=1
exit "$rc"
