# bench/lib.sh: what the HTTP benchmarks share, sourced by their run.sh
# (which set `set -euo pipefail`, TALLY_BIN and KEEP_DATA first).
#
#   bench_workdir NAME      a temp dir $work (data in $data), removed on exit
#                           unless KEEP_DATA=1; stops the server on exit too
#   bench_start_server ARG  `tally serve` on a free loopback port ($port,
#                           $url, $server_pid), stderr to $work/server.log
#   bench_project OVERLAP LEASE_SECONDS NAME
#                           tenant "bench", a manager ($mtoken) and a choice
#                           project ($project)
#   bench_cli ARGS          the admin CLI on $data
#   bench_stop_server       SIGTERM, wait; non-zero if it did not exit 0

bench_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/tally-bench-$1.XXXXXX")
    data=$work/data
    server_pid=
    trap bench_cleanup EXIT
}

bench_cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$KEEP_DATA" = 1 ]; then echo "data kept in $work"; else rm -rf "$work"; fi
}

bench_start_server() {
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$TALLY_BIN" serve --data "$data" --listen "127.0.0.1:$port" "$@" 2>"$work/server.log" &
    server_pid=$!
    url=http://127.0.0.1:$port
    for _ in $(seq 200); do
        curl -fsS "$url/healthz" >/dev/null 2>&1 && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        sleep 0.1
    done
    curl -fsS "$url/healthz" >/dev/null
}

bench_cli() { "$TALLY_BIN" "$@" --data "$data"; }

bench_project() {
    bench_cli tenant create bench >/dev/null
    bench_cli user create --email manager@bench.test --role manager --tenant bench >/dev/null
    mtoken=$(bench_cli token create --email manager@bench.test)
    project=$(curl -fsS -X POST "$url/api/v1/projects" -H "Authorization: Bearer $mtoken" \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"$3\",\"schema\":{\"fields\":[{\"name\":\"label\",\"type\":\"choice\",\"options\":[\"a\",\"b\"]}]},\"overlap\":$1,\"lease_seconds\":$2}" |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
}

bench_stop_server() {
    local pid=$server_pid status=0
    server_pid=
    kill -TERM "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || echo "server exit code $status" >&2
    return "$status"
}
