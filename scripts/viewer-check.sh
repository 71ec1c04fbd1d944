#!/usr/bin/env bash
# viewer-check.sh — a browser test of the viewer (static/), with headless Chromium.
#
# Starts `tcplab serve` on a free port with a temporary database, runs four-way-close through the
# API, loads #/runs/ID in headless Chromium (--dump-dom) and checks the ladder: one class="seg"
# per segment of the summary, the state labels, the connect() return, and Chinese notes with
# ?lang=zh. Then a lossy bulk-transfer: one class="tsg-seg" per data segment of the main direction
# in the stream graphs, and the ACK, window, cwnd, ssthresh and srtt lines; in its ladder every
# segment an arrow or counted in a summary band. Takes screenshots of the
# catalogue, the run view and the stream graphs (viewer-tsg.png) into $OUT (default /tmp).
#
#   scripts/viewer-check.sh            # uses .build/debug/tcplab (TCPLAB=path to override)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TCPLAB=${TCPLAB:-$ROOT/.build/debug/tcplab}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
OUT=${OUT:-/tmp}
[ -x "$TCPLAB" ] || { echo "no tcplab binary at $TCPLAB (swift build first)"; exit 2; }
[ -n "$CHROMIUM" ] || { echo "no chromium (apt-get install chromium)"; exit 2; }

TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$TCPLAB" serve --port "$PORT" --db "$TMP/viewer.sqlite" --static "$ROOT/static" --log-level warning >"$TMP/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -fs "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done

curl -fs -X POST "$BASE/api/runs" -d '{"scenario": "four-way-close"}' >"$TMP/run.json"
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/run.json")
curl -fs "$BASE/api/runs/$ID/trace" >"$TMP/trace.json"
echo "run $ID on port $PORT"

chrome() { timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$TMP/profile-$1" --virtual-time-budget=10000 "${@:2}" 2>>"$TMP/chromium.log"; }

chrome en --dump-dom "$BASE/#/runs/$ID" >"$TMP/en.html"
chrome zh --dump-dom "$BASE/?lang=zh#/runs/$ID" >"$TMP/zh.html"
chrome shot1 --window-size=1400,1000 --screenshot="$OUT/viewer-catalogue.png" "$BASE/#/" >/dev/null
chrome shot2 --window-size=1400,1000 --screenshot="$OUT/viewer-run.png" "$BASE/#/runs/$ID" >/dev/null
chrome shot3 --window-size=1400,1000 --screenshot="$OUT/viewer-run-zh.png" "$BASE/?lang=zh#/runs/$ID" >/dev/null
chrome shot4 --window-size=390,844 --screenshot="$OUT/viewer-run-phone.png" "$BASE/#/runs/$ID" >/dev/null

status=0
python3 - "$TMP/run.json" "$TMP/trace.json" "$TMP/en.html" "$TMP/zh.html" <<'PY' || status=$?
import json, re, sys, html
from html.parser import HTMLParser
run, trace = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
en, zh = open(sys.argv[3], encoding="utf-8").read(), open(sys.argv[4], encoding="utf-8").read()

class Texts(HTMLParser):
    """Collects the text of elements by class (state, call, note)."""
    def __init__(self):
        super().__init__(); self.stack = []; self.texts = {}
    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "") or ""
        self.stack.append(cls.split())
    def handle_endtag(self, tag):
        if self.stack: self.stack.pop()
    def handle_data(self, data):
        for classes in self.stack:
            for c in classes: self.texts.setdefault(c, []).append(data)
def texts(doc):
    p = Texts(); p.feed(doc); return {k: " ".join(v) for k, v in p.texts.items()}

failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: failures.append(what)

want = run["summary"]["segments"]
got = len(re.findall(r'class="seg"', en))
check(got == want, f'{got} class="seg" elements, summary.segments = {want}')
te, tz = texts(en), texts(zh)
for s in ("ESTABLISHED", "TIME_WAIT", "FIN_WAIT_2", "CLOSE_WAIT", "LAST_ACK"):
    check(s in te.get("state", ""), f"state label {s}")
check(re.search(r"connect\(\) = 0", te.get("call", "")) is not None, "call return connect() = 0")
check("accept() = " in te.get("call", ""), "call return accept()")
notes = [e["note"] for e in trace["events"] if e.get("note")]
en_notes = te.get("note", ""); zh_notes = tz.get("note", "")
norm = lambda s: re.sub(r"\s+", "", s)
check(all(norm(n["en"])[:20] in norm(en_notes) for n in notes), f"{len(notes)} English notes shown (lang en)")
check(all(norm(n["zh"])[:12] in norm(zh_notes) for n in notes), f"{len(notes)} Chinese notes shown (?lang=zh)")
check(re.search(r"[\u4e00-\u9fff]", zh_notes) is not None and not any(norm(n["en"])[:20] in norm(zh_notes) for n in notes),
      "zh notes are Chinese, not English")
check(re.search(r"≈ .* later", en) is not None, "TIME_WAIT's 60 s drawn as a time break")
check(f'/api/runs/{run["id"]}/trace.pcap' in en and "trace.txt" in en, "download links (JSON, text, pcap)")
check(len(re.findall(r'<li id="ev-', en)) == len(trace["events"]), "event list has every event")
sys.exit(1 if failures else 0)
PY

# Stream graphs: a lossy bulk transfer; one class="tsg-seg" per data segment of the main direction.
curl -fs -X POST "$BASE/api/runs" -d '{"scenario": "bulk-transfer", "params": {"bytes": "300000", "loss": "0.03", "rate": "10Mbit"}}' >"$TMP/bulk.json"
BID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/bulk.json")
curl -fs "$BASE/api/runs/$BID/trace" >"$TMP/bulk-trace.json"
chrome bulk --dump-dom "$BASE/#/runs/$BID" >"$TMP/bulk.html"
chrome shot5 --window-size=1400,1500 --screenshot="$OUT/viewer-tsg.png" "$BASE/#/runs/$BID?show=graphs" >/dev/null
python3 - "$TMP/bulk-trace.json" "$TMP/bulk.html" <<'PY' || status=1
import json, re, sys
from collections import Counter
trace, doc = json.load(open(sys.argv[1])), open(sys.argv[2], encoding="utf-8").read()
failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: failures.append(what)
segs = [e for e in trace["events"] if e["type"] == "segment"]
payload = Counter()
for e in segs: payload[(e["src"], e["dst"])] += e["len"]
main = max(payload, key=payload.get)
data = [e for e in segs if (e["src"], e["dst"]) == main and e["len"] > 0]
got = len(re.findall(r'class="tsg-seg"', doc))
check(got == len(data), f'{got} class="tsg-seg" elements, {len(data)} data segments {main[0]} → {main[1]}')
retx = sum(1 for e in data if e.get("retransmit")); lost = sum(1 for e in data if e.get("fate") == "lost")
check(len(re.findall(r'class="tsg-seg" data-retx', doc)) == retx, f"{retx} retransmitted data segments marked")
check(len(re.findall(r'class="tsg-x"', doc)) == lost, f"{lost} lost data segments crossed")
for cls in ("tsg-ack", "tsg-win", "cc-cwnd", "cc-ssthresh", "rtt-line"):
    m = re.search(r'class="%s" d="(M[^"]+)"' % cls, doc)
    check(m is not None and len(m.group(1)) > 20, f'class="{cls}" drawn')
# The ladder: every segment once, as an arrow or counted in a summary band (but not drawn on top).
arrows = len(re.findall(r'class="seg"', doc))
bands = [(int(n), int(d)) for n, d in re.findall(r'<polygon class="band [^"]*"[^>]* data-n="(\d+)" data-drawn="(\d+)"', doc)]
summarized = sum(n - d for n, d in bands)
check(arrows + summarized == len(segs), f'ladder: {arrows} arrows + {summarized} segments in {len(bands)} bands = {len(segs)} segments')
sys.exit(1 if failures else 0)
PY
# A packetdrill script run: drawn like any run (one arrow per segment), with its verdict shown.
printf '%s\n' '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3' '+0 bind(3, ..., ...) = 0' '+0 listen(3, 1) = 0' \
  '+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>' '+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>' \
  '+.01 < . 1:1(0) ack 1 win 502' '+0 accept(3, ..., ...) = 4' '+.01 < P. 1:101(100) ack 1 win 502' '+0 > . 1:1(0) ack 101' \
  '+.01 close(4) = 0' '+0 > F. 1:1(0) ack 101' >"$TMP/fail.pkt"
curl -fs -X POST "$BASE/api/runs" -H 'Content-Type: text/x-packetdrill' --data-binary @"$TMP/fail.pkt" >"$TMP/pd.json"
PID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/pd.json")
chrome pd --dump-dom "$BASE/#/runs/$PID" >"$TMP/pd.html"
chrome shot6 --window-size=1400,1000 --screenshot="$OUT/viewer-packetdrill.png" "$BASE/#/runs/$PID" >/dev/null
python3 - "$TMP/pd.json" "$TMP/pd.html" <<'PY' || status=1
import json, re, sys
run, doc = json.load(open(sys.argv[1])), open(sys.argv[2], encoding="utf-8").read()
v = run["summary"]["packetdrill"]
ok1 = len(re.findall(r'class="seg"', doc)) == run["summary"]["segments"]
ok2 = 'pd-verdict pd-fail' in doc and f'line {v["line"]}' in doc and "tcp_fin" in doc
print(("ok   " if ok1 else "FAIL ") + f'packetdrill run: one arrow per segment ({run["summary"]["segments"]})')
print(("ok   " if ok2 else "FAIL ") + f'packetdrill verdict shown: line {v["line"]}: {v["message"]}')
sys.exit(0 if ok1 and ok2 else 1)
PY
echo "screenshots: $OUT/viewer-catalogue.png $OUT/viewer-run.png $OUT/viewer-run-zh.png $OUT/viewer-run-phone.png $OUT/viewer-tsg.png $OUT/viewer-packetdrill.png"
exit $status
