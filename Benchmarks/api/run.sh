#!/usr/bin/env bash
# REST API benchmark: `tcplab serve` (release build, its own SQLite database in a temporary
# directory) on loopback.
#   GET  /api/runs/<id>/trace of one stored catalogue run ("four-way-close"), against nginx
#        serving the very same bytes as a static file (the two are compared with cmp first);
#   POST /api/runs {"scenario": "four-way-close"}: validate, simulate, store, answer 201
#        (no nginx comparison: nginx has nothing to compare it with).
# wrk -t2 -c64 --latency prints requests/s and p99 for each. The rate limit of POST /api/runs is
# raised out of the way (--rate-limit 1000000/100000000).
#
# Everything stays on 127.0.0.1, every phase is bounded in time, and the servers and files this
# script makes are removed when it exits. tcplab and nginx are measured alternately, ROUNDS
# times, and each one's best run is reported, so that a burst of other work on the machine does
# not decide the comparison. Any non-2xx answer to the GETs fails the script; those to the POSTs
# are counted and reported. Environment: DURATION (seconds per wrk run, default 5), ROUNDS
# (default 3). The ports are free ones picked at start.
# Reference targets: GET trace >= 50% of nginx's req/s; POST p99 < 20 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=64
SCRATCH=/tmp/api-bench-build
BODY='{"scenario": "four-way-close"}'
LUA=$PWD/Benchmarks/api/post.lua
LUA_UNIQUE=$PWD/Benchmarks/api/post-unique.lua

# --- tools ----------------------------------------------------------------------------------
. Benchmarks/lib.sh
bench_tools

echo "building tcplab (release, scratch path $SCRATCH)"
swift build -c release --product tcplab --scratch-path "$SCRATCH" 2>&1 | tail -1
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/tcplab
[ -x "$BIN" ] || { echo "no binary at $BIN"; exit 1; }

# --- temporary directory, ports, clean-up ------------------------------------------------------
WORK=$(mktemp -d /tmp/tcplab-api-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/www" "$WORK/tmp"

SERVER_PID=""; NGINX_PID=""
cleanup() {
  for pid in $SERVER_PID $NGINX_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $SERVER_PID $NGINX_PID; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Two distinct free ports on 127.0.0.1 (held together while they are picked).
read -r PORT NGINX_PORT < <(python3 - <<'PY'
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])
PY
)

"$BIN" serve --port "$PORT" --db "$WORK/bench.sqlite" --log-level warning \
  --rate-limit 1000000/100000000 2>"$WORK/server.log" &
SERVER_PID=$!

wait_for() { # port path log
  for _ in $(seq 100); do
    curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$1$2" && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1"; cat "$3" 2>/dev/null || true; exit 1
}
wait_for "$PORT" /health "$WORK/server.log"

# --- one stored run, and its trace as a static file for nginx -----------------------------------
code=$(curl -s --max-time 30 -o "$WORK/created.json" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/api/runs")
[ "$code" = 201 ] || { echo "POST /api/runs answered $code:"; cat "$WORK/created.json"; exit 1; }
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/created.json")
TRACE_PATH=/api/runs/$ID/trace
curl -sf --max-time 30 -o "$WORK/www/trace.json" "http://127.0.0.1:$PORT$TRACE_PATH"
TRACE_BYTES=$(stat -c %s "$WORK/www/trace.json")
echo "run $ID: trace $TRACE_BYTES bytes"
chmod -R a+rX "$WORK"

bench_nginx_conf "$WORK" "$NGINX_PORT" 2
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" 2>>"$WORK/nginx-error.log" &
NGINX_PID=$!
wait_for "$NGINX_PORT" /trace.json "$WORK/nginx-error.log"

cmp <(curl -s --max-time 30 "http://127.0.0.1:$PORT$TRACE_PATH") \
    <(curl -s --max-time 30 "http://127.0.0.1:$NGINX_PORT/trace.json") \
  || { echo "tcplab and nginx serve different bytes for the trace"; exit 1; }

# --- throughput and latency ---------------------------------------------------------------------
# Prints "req/s p99-ms non-2xx" (see wrk_figures in Benchmarks/lib.sh). Extra wrk arguments
# (a lua script) go before the URL.
run_wrk() { # url [wrk args...]
  local url=$1; shift
  local out
  out=$(timeout $((DURATION + 30)) wrk -t2 -c$CONNECTIONS -d"${DURATION}s" --latency "$@" "$url") \
    || { echo "wrk failed or hung on $url" >&2; return 1; }
  wrk_figures <<<"$out"
}

URL_tcplab=http://127.0.0.1:$PORT$TRACE_PATH
URL_nginx=http://127.0.0.1:$NGINX_PORT/trace.json

for who in tcplab nginx; do  # warm up: page cache, socket buffers, allocator
  url=URL_$who
  timeout 40 wrk -t2 -c$CONNECTIONS -d2s "${!url}" >/dev/null
done

declare -A RPS P99
for round in $(seq "$ROUNDS"); do
  for who in tcplab nginx; do
    url=URL_$who
    read -r r p bad < <(run_wrk "${!url}") || exit 1
    echo "  round $round: GET trace $who $r req/s, p99 $p ms, non-2xx $bad"
    if [ "$bad" != 0 ]; then
      echo "FAIL: $who answered $bad GETs of the trace with a non-2xx status"; exit 1
    fi
    if [ -z "${RPS[$who]:-}" ] || [ "$r" -gt "${RPS[$who]}" ]; then
      RPS[$who]=$r; P99[$who]=$p
    fi
  done
done

# POST /api/runs, the same scenario each time: stored as a new run each time, simulated once
# (the server keeps recent results by normalized scenario; the simulator is deterministic).
read -r POST_RPS POST_P99 POST_BAD < <(run_wrk "http://127.0.0.1:$PORT/api/runs" -s "$LUA") || exit 1
echo "  POST /api/runs (same scenario): $POST_RPS req/s, p99 $POST_P99 ms, non-2xx $POST_BAD"
# POST /api/runs with a new seed each time: every request simulates, serializes and stores.
read -r UPOST_RPS UPOST_P99 UPOST_BAD < <(run_wrk "http://127.0.0.1:$PORT/api/runs" -s "$LUA_UNIQUE") || exit 1
echo "  POST /api/runs (new seed each): $UPOST_RPS req/s, p99 $UPOST_P99 ms, non-2xx $UPOST_BAD"
STORED=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1], timeout=5).execute("SELECT COUNT(*) FROM runs").fetchone()[0])' \
  "$WORK/bench.sqlite" 2>/dev/null || echo "?")

# --- summary -------------------------------------------------------------------------------------
ratio=$(awk -v a="${RPS[tcplab]}" -v b="${RPS[nginx]}" 'BEGIN { printf "%.0f%%", 100 * a / b }')
echo
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency on 127.0.0.1, GET best of $ROUNDS ($(nproc) cores, shared by wrk and the servers)"
echo "run $ID (four-way-close), trace $TRACE_BYTES bytes"
printf "%-22s %14s %10s %14s %10s %13s\n" "request" "tcplab req/s" "p99 ms" "nginx req/s" "p99 ms" "tcplab/nginx"
printf "%-22s %14s %10s %14s %10s %13s\n" "GET /api/runs/ID/trace" "${RPS[tcplab]}" "${P99[tcplab]}" \
  "${RPS[nginx]}" "${P99[nginx]}" "$ratio"
printf "%-22s %14s %10s %14s %10s %13s\n" "POST (same scenario)" "$POST_RPS" "$POST_P99" "-" "-" "-"
printf "%-22s %14s %10s %14s %10s %13s\n" "POST (new seed each)" "$UPOST_RPS" "$UPOST_P99" "-" "-" "-"
echo "POST non-2xx responses: $POST_BAD + $UPOST_BAD; runs stored in the database: $STORED"
echo "targets: GET >= 50% of nginx ($(awk -v a="${RPS[tcplab]}" -v b="${RPS[nginx]}" 'BEGIN { print (a >= b / 2) ? "met" : "NOT met" }')), POST p99 < 20 ms (same scenario: $(awk -v p="$POST_P99" 'BEGIN { print (p < 20) ? "met" : "NOT met" }'); new seed each: $(awk -v p="$UPOST_P99" 'BEGIN { print (p < 20) ? "met" : "NOT met" }'))"
