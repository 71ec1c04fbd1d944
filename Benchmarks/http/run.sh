#!/usr/bin/env bash
# HTTP benchmark: `tcplab serve` (release build) against nginx, both on loopback, serving the
# same bytes as static files: a ~60 KB JSON body and a tiny one. wrk with 64 connections prints
# requests/s and p99 for each; then 10,000 idle keep-alive connections are held open while the
# server keeps answering, and its RSS is read from /proc.
#
# Everything stays on 127.0.0.1, every phase is bounded in time, and the servers this script
# starts are stopped when it exits. The two servers are measured alternately, ROUNDS times, and
# each one's best run is reported, so that a burst of other work on the machine does not
# decide the comparison. Environment: DURATION (seconds per wrk run, default 5), ROUNDS
# (default 3), IDLE (idle connections, default 10000), PORT / NGINX_PORT (18080 / 18081).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
IDLE=${IDLE:-10000}
PORT=${PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
CONNECTIONS=64

# --- tools ----------------------------------------------------------------------------------
. Benchmarks/lib.sh
bench_tools

echo "building tcplab (release)"
swift build -c release --product tcplab 2>&1 | tail -1
BIN=$(swift build -c release --show-bin-path)/tcplab

# --- the bytes both servers serve -------------------------------------------------------------
WORK=$(mktemp -d /tmp/tcplab-http-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/www"
python3 - "$WORK/www" <<'EOF'
import json, sys
events = [{"t": i / 1000, "type": "segment", "id": i, "from": "client", "to": "server",
           "flags": ["ACK", "PSH"], "seq": i * 1448, "ack": 1, "len": 1448, "win": 502}
          for i in range(458)]
body = json.dumps({"schemaVersion": 1, "events": events}, separators=(",", ":"))
open(sys.argv[1] + "/body-60k.json", "w").write(body)
open(sys.argv[1] + "/tiny.json", "w").write('{"ok":true}')
print(f"bodies: body-60k.json {len(body)} bytes, tiny.json 11 bytes")
EOF
chmod -R a+rX "$WORK"

bench_nginx_conf "$WORK" "$NGINX_PORT" auto

SERVER_PID=""; NGINX_PID=""; HOLDER_PID=""
cleanup() {
  for pid in $HOLDER_PID $SERVER_PID $NGINX_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $HOLDER_PID $SERVER_PID $NGINX_PID; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --port "$PORT" --static "$WORK/www" --log-level warning 2>"$WORK/server.log" &
SERVER_PID=$!
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" 2>>"$WORK/nginx-error.log" &
NGINX_PID=$!

wait_for() {
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/tiny.json" && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1"; cat "$WORK/server.log" "$WORK/nginx-error.log"; exit 1
}
wait_for "$PORT"
wait_for "$NGINX_PORT"
for f in body-60k.json tiny.json; do
  cmp <(curl -s "http://127.0.0.1:$PORT/$f") <(curl -s "http://127.0.0.1:$NGINX_PORT/$f") \
    || { echo "the servers disagree about $f"; exit 1; }
done

# --- throughput and latency -------------------------------------------------------------------
# Prints "req/s p99-ms" (see wrk_figures in Benchmarks/lib.sh).
run_wrk() {
  wrk -t2 -c$CONNECTIONS -d"${DURATION}s" --latency "http://127.0.0.1:$1/$2" | wrk_figures | cut -d' ' -f1,2
}

declare -A RPS P99
for who in tcplab nginx; do  # warm up: page cache, socket buffers, allocator
  port=$PORT; [ "$who" = nginx ] && port=$NGINX_PORT
  wrk -t2 -c$CONNECTIONS -d2s "http://127.0.0.1:$port/body-60k.json" >/dev/null
done
for round in $(seq "$ROUNDS"); do
  for body in body-60k.json tiny.json; do
    for who in tcplab nginx; do
      port=$PORT; [ "$who" = nginx ] && port=$NGINX_PORT
      read -r r p < <(run_wrk "$port" "$body")
      echo "  round $round: $who $body $r req/s, p99 $p ms"
      if [ -z "${RPS[$who,$body]:-}" ] || [ "$r" -gt "${RPS[$who,$body]}" ]; then
        RPS[$who,$body]=$r; P99[$who,$body]=$p
      fi
    done
  done
done

echo
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s on 127.0.0.1, best of $ROUNDS ($(nproc) cores, shared by wrk and the server)"
printf "%-15s %14s %10s %14s %10s %10s\n" "body" "tcplab req/s" "p99 ms" "nginx req/s" "p99 ms" "tcplab/nginx"
for body in body-60k.json tiny.json; do
  ratio=$(awk -v a="${RPS[tcplab,$body]}" -v b="${RPS[nginx,$body]}" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf "%-15s %14s %10s %14s %10s %10s\n" "$body" "${RPS[tcplab,$body]}" "${P99[tcplab,$body]}" \
    "${RPS[nginx,$body]}" "${P99[nginx,$body]}" "$ratio"
done

# --- idle keep-alive connections ----------------------------------------------------------------
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
nginx_rss_kb() { # master and workers together
  local total=0
  for pid in $NGINX_PID $(pgrep -P "$NGINX_PID"); do total=$((total + $(rss_kb "$pid"))); done
  echo $total
}

# The holder keeps its connections until its stdin (a FIFO we hold open) closes.
mkfifo "$WORK/hold"
hold_idle() { # port
  python3 Benchmarks/http/idle_clients.py --port "$1" --count "$IDLE" --hold 90 <"$WORK/hold" >"$WORK/holder.out" &
  HOLDER_PID=$!
  exec 7>"$WORK/hold"
  for _ in $(seq 900); do
    grep -q '^ready' "$WORK/holder.out" 2>/dev/null && return 0
    kill -0 "$HOLDER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the idle clients did not get ready:"; cat "$WORK/holder.out"; exit 1
}
release_idle() {
  exec 7>&-
  wait "$HOLDER_PID" 2>/dev/null || true
  HOLDER_PID=""
}
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

echo
before=$(rss_kb "$SERVER_PID")
hold_idle "$PORT"
idle_rss=$(rss_kb "$SERVER_PID")
read -r r p < <(DURATION=5 run_wrk "$PORT" tiny.json)
busy_rss=$(rss_kb "$SERVER_PID")
open_now=$(curl -s "http://127.0.0.1:$PORT/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"]["open"])' 2>/dev/null || echo "?")
release_idle

hold_idle "$NGINX_PORT"
nginx_idle=$(nginx_rss_kb)
release_idle

echo "$IDLE idle keep-alive connections (each made one request first)"
printf "  tcplab RSS: %s MB before, %s MB holding them, %s MB after wrk ran beside them (%s connections open then)\n" \
  "$(mb "$before")" "$(mb "$idle_rss")" "$(mb "$busy_rss")" "$open_now"
printf "  tcplab still answering: %s req/s, p99 %s ms (wrk -c64, 5 s, tiny.json)\n" "$r" "$p"
printf "  nginx RSS holding them (master + workers): %s MB\n" "$(mb "$nginx_idle")"
