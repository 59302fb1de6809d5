#!/usr/bin/env bash
# bench/idle/run.sh: hold CONNECTIONS idle keep-alive connections (each sent
# one GET /healthz) and time REQUESTS sequential requests on another
# connection meanwhile; prints p50/p99, the server's RSS and thread count.
#
# Starts `tally serve` on a free loopback port with a temporary data dir;
# everything is removed afterwards. Build first: `make all` (or `make bench`).
# The idle connections come from 127.0.0.2, .3, ... (PER_SOURCE each), so
# the server's default per-address cap of 64 holds.
#
# Environment (defaults): TALLY_BIN (build/tally), IDLE_BIN (build/bench/idle),
# CONNECTIONS (10000), REQUESTS (2000), PER_SOURCE (60), SERVER_ARGS (none:
# extra `tally serve` options, e.g. "--threads 2"), KEEP_DATA (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
TALLY_BIN=${TALLY_BIN:-build/tally}
IDLE_BIN=${IDLE_BIN:-build/bench/idle}
CONNECTIONS=${CONNECTIONS:-10000}
REQUESTS=${REQUESTS:-2000}
PER_SOURCE=${PER_SOURCE:-60}
SERVER_ARGS=${SERVER_ARGS:-}
KEEP_DATA=${KEEP_DATA:-0}

for b in "$TALLY_BIN" "$IDLE_BIN"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing: run 'make all' first" >&2; exit 1; }
done
# the client needs a descriptor per connection too
ulimit -n "$(ulimit -Hn)"

. bench/lib.sh
bench_workdir idle
# shellcheck disable=SC2086 # SERVER_ARGS is a list of options
bench_start_server $SERVER_ARGS
echo "tally idle bench: $CONNECTIONS idle connections, $REQUESTS timed requests," \
     "$(nproc) cores, server $TALLY_BIN $SERVER_ARGS"
rc=0
"$IDLE_BIN" --port "$port" --connections "$CONNECTIONS" --requests "$REQUESTS" \
    --per-source "$PER_SOURCE" --pid "$server_pid" || rc=$?
grep -c ' GET /healthz 200 ' "$work/server.log" | sed 's/^/server log: healthz lines: /'
bench_stop_server || rc=1
exit "$rc"
