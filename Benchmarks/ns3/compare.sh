#!/usr/bin/env bash
# Side-by-side benchmark: a 100 MB bulk transfer over 1 Gbit/s, 5 ms one-way delay, MSS 1448,
# with 0 and 1 % random loss, in ns-3 3.44 (PyPI package ns3, in a throwaway venv) and in
# tcplab. Prints the best-of-N wall times and the ratio ns-3 / tcplab (target: >= 10).
#
#   Benchmarks/ns3/compare.sh              # both sides (builds tcplab: release, static Swift runtime)
#   Benchmarks/ns3/compare.sh --ns3-only   # the ns-3 side alone
#
# Environment: TCPLAB (a binary to use instead of building one), SCRATCH (its build path), TCPLAB_FORMAT (summary, or json to also
# serialize the trace), RUNS (3), LOSSES ("0 0.01"),
# NS3_LOSS_DIRS (both: loss on data and ACKs, as tcplab's `loss` is "each way"; or data),
# NS3_QUEUE (1000 packets, tcplab's default queue), VENV (${TMPDIR:-/tmp}/tcplab-ns3-venv),
# PYTHON (python3, makes the venv), RUN_TIMEOUT (300 s per run), INSTALL_TIMEOUT (1800 s).
# See README.md beside this file for what is and is not comparable.
set -euo pipefail

NS3_VERSION=3.44.post0
BYTES=100000000
MSS=1448
RUNS=${RUNS:-3}
LOSSES=${LOSSES:-"0 0.01"}
NS3_LOSS_DIRS=${NS3_LOSS_DIRS:-both}
NS3_QUEUE=${NS3_QUEUE:-1000}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
INSTALL_TIMEOUT=${INSTALL_TIMEOUT:-1800}
VENV=${VENV:-${TMPDIR:-/tmp}/tcplab-ns3-venv}
PYTHON=${PYTHON:-python3}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
repo=$(cd "$here/../.." && pwd)
cd "$repo"
# Unless TCPLAB names a binary, build one: release, with the Swift runtime linked statically
# (--static-swift-stdlib, as a deployed binary would be): start-up drops from about 6 to 4 ms and
# runtime calls (retain/release) skip the PLT, about 7 % of a 100 MB run.
if [[ -z ${TCPLAB:-} && ${1:-} != --ns3-only && ${1:-} != -h && ${1:-} != --help ]]; then
  SCRATCH=${SCRATCH:-/tmp/tcplab-ns3-build}
  echo "building tcplab (release, --static-swift-stdlib, scratch path $SCRATCH)" >&2
  swift build -c release --static-swift-stdlib --product tcplab --scratch-path "$SCRATCH" >&2 2>&1 | tail -1 >&2
  TCPLAB=$(swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --show-bin-path)/tcplab
fi
TCPLAB=${TCPLAB:-.build/release/tcplab}
# summary: the run keeps its full trace in memory and prints the summary; json: also serializes
# the whole trace (~57 MB) to /dev/null.
TCPLAB_FORMAT=${TCPLAB_FORMAT:-summary}

ns3_only=0
case "${1:-}" in
  --ns3-only) ns3_only=1 ;;
  "") ;;
  -h|--help) sed -n '2,13p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "compare.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

if [[ -z ${EPOCHREALTIME:-} ]]; then
  echo "compare.sh: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2
fi
if (( ! ns3_only )) && [[ ! -x $TCPLAB ]]; then
  echo "compare.sh: no tcplab binary at '$TCPLAB'." >&2
  echo "  Build it first:  swift build -c release --product tcplab" >&2
  echo "  (or set TCPLAB=/path/to/tcplab, or pass --ns3-only for the ns-3 side alone)" >&2
  exit 1
fi

# --- ns-3 in a throwaway venv (reused while it holds the pinned version) ---------------------
have_ns3() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$NS3_VERSION" <<'PY' 2>/dev/null
import importlib.metadata as m, sys
sys.exit(0 if m.version("ns3") == sys.argv[1] else 1)
PY
}
if have_ns3; then
  echo "ns-3: reusing $VENV (ns3==$NS3_VERSION)"
else
  echo "ns-3: installing ns3==$NS3_VERSION into $VENV (first time: about 1-2 min, ~520 MB; cppyy is built from source)"
  [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV"
  t0=$EPOCHREALTIME
  timeout "$INSTALL_TIMEOUT" "$VENV/bin/python" -m pip install --disable-pip-version-check -q "ns3==$NS3_VERSION"
  t1=$EPOCHREALTIME
  have_ns3 || { echo "compare.sh: ns3==$NS3_VERSION did not install into $VENV" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "ns-3: installed in %.0f s\n", b - a }'
fi
NS3_PY=$VENV/bin/python

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcplab-ns3-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# json FILE KEY: one top-level value of the JSON line in FILE.
json() { "$NS3_PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$1" "$2"; }
min() { awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }

run_ns3() { # loss -> prints "best_wall sim_time goodput_mbit_s retransmissions"
  local loss=$1 i walls=() sim="" f
  for (( i = 1; i <= RUNS; i++ )); do
    f=$tmp/ns3-$loss-$i.json
    if ! timeout "$RUN_TIMEOUT" "$NS3_PY" "$here/bulk_ns3.py" --bytes "$BYTES" --rate 1Gbps --delay 5ms \
         --loss "$loss" --loss-dirs "$NS3_LOSS_DIRS" --mss "$MSS" --queue "$NS3_QUEUE" \
         >"$f" 2>"$tmp/ns3-$loss-$i.err"; then
      echo "compare.sh: the ns-3 run (loss $loss) failed or timed out:" >&2
      grep -v 'runStaticInitializersOnce' "$tmp/ns3-$loss-$i.err" | tail -5 >&2 || true
      cat "$f" >&2; exit 1
    fi
    [[ $(json "$f" bytes_received) == "$BYTES" ]] || { echo "compare.sh: ns-3 did not deliver $BYTES bytes:" >&2; cat "$f" >&2; exit 1; }
    walls+=("$(json "$f" wall_s)")
    sim=$(json "$f" sim_time_s)
    echo "  ns-3   loss $loss run $i: wall $(json "$f" wall_s) s, simulated $sim s, retransmissions $(json "$f" retransmissions)" >&2
  done
  printf '%s %s %s %s\n' "$(printf '%s\n' "${walls[@]}" | min)" "$sim" \
    "$(json "$f" goodput_mbit_s)" "$(json "$f" retransmissions)"
}

run_tcplab() { # loss -> prints best wall time of the whole command
  local loss=$1 i t0 t1 walls=()
  for (( i = 1; i <= RUNS; i++ )); do
    t0=$EPOCHREALTIME
    if ! timeout "$RUN_TIMEOUT" "$TCPLAB" run bulk-transfer --param bytes=$BYTES --param rate=1Gbit \
         --param delay=5ms --param loss="$loss" --param mss=$MSS --format "$TCPLAB_FORMAT" >/dev/null 2>"$tmp/tcplab.err"; then
      echo "compare.sh: the tcplab run (loss $loss) failed or timed out:" >&2
      tail -5 "$tmp/tcplab.err" >&2; exit 1
    fi
    t1=$EPOCHREALTIME
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    echo "  tcplab loss $loss run $i: wall ${walls[-1]} s" >&2
  done
  printf '%s\n' "${walls[@]}" | min
}

tcplab_summary() { # loss -> prints "goodput_mbit_s retransmissions lost outcome" from one more, untimed run
  local loss=$1 f=$tmp/tcplab-$1.json
  timeout "$RUN_TIMEOUT" "$TCPLAB" run bulk-transfer --param bytes=$BYTES --param rate=1Gbit \
    --param delay=5ms --param loss="$loss" --param mss=$MSS --format json >"$f" 2>/dev/null || true
  "$NS3_PY" - "$f" <<'PY' || echo "? ? ? ?"
import json, sys
s = json.load(open(sys.argv[1])).get("summary", {})
g = s.get("goodputBitsPerSecond")
print("%s %s %s %s" % ("%.1f" % (g / 1e6) if g else "?", s.get("retransmissions", "?"),
                       s.get("lost", "?"), s.get("outcome", "?")))
PY
  rm -f "$f"
}

echo "bulk transfer: $BYTES bytes, 1 Gbit/s, 5 ms one-way, MSS $MSS; ns-3 loss on: $NS3_LOSS_DIRS, ns-3 queue ${NS3_QUEUE}p; best of $RUNS"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rows=() sims=()
for loss in $LOSSES; do
  out=$(run_ns3 "$loss")
  read -r ns3_wall ns3_sim ns3_goodput ns3_retx <<<"$out"
  if (( ns3_only )); then
    rows+=("$loss $ns3_wall $ns3_sim - - -")
    sims+=("$loss $ns3_goodput $ns3_retx - - - -")
  else
    tl_wall=$(run_tcplab "$loss")
    rows+=("$loss $ns3_wall $ns3_sim $tl_wall $(awk -v a="$ns3_wall" -v b="$tl_wall" 'BEGIN { r = b > 0 ? a / b : 0; printf "%.1f %s", r, (r >= 10 ? "yes" : "NO") }')")
    sims+=("$loss $ns3_goodput $ns3_retx $(tcplab_summary "$loss")")
  fi
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-6s  %12s  %14s  %14s  %14s  %9s\n' loss "ns-3 wall s" "ns-3 sim s" "tcplab wall s" "ns-3/tcplab" ">=10x?"
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086
  printf '%-6s  %12s  %14s  %14s  %14s  %9s\n' $row
done
echo
echo "What each simulated (a sanity check, not part of the timing):"
printf '%-6s  %18s  %10s  %18s  %10s  %10s  %10s\n' loss "ns-3 Mbit/s" "ns-3 retx" "tcplab Mbit/s" "tcplab retx" "tcplab lost" outcome
for row in "${sims[@]}"; do
  # shellcheck disable=SC2086
  printf '%-6s  %18s  %10s  %18s  %10s  %10s  %10s\n' $row
done
echo
echo "ns-3 wall: Simulator::Run only (no Python start-up, header parsing or set-up), best of $RUNS."
echo "tcplab wall: the whole command (start-up included), full trace kept in memory, --format $TCPLAB_FORMAT, best of $RUNS."
