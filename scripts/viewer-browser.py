#!/usr/bin/env python3
"""viewer-browser.py — the viewer's interactive parts in real headless Chromium, driven through
chromedriver over WebDriver (scripts/webdriver.py: urllib + json only).

Starts `tcplab serve` on a free port with a temporary database, then, in one browser session:
  form-error     a bad parameter in a catalogue form: its message under that field, nowhere else;
                 fixed, "Run and compare with defaults" opens both runs side by side
  editor         the JSON editor: a 422's problems beside the lines their paths name; fixed, it runs
  delete         a run started from the catalogue is deleted from Past runs with the remembered token
                 (a wrong token first: 403 shown, row kept); then gone from the list, GET gives 404
  keyboard       → / ← move the cursor event by event, the socket table follows; 中文 switches notes
  drag-zoom      dragging across the time–sequence graph zooms it (fewer bars, narrower axis); reset
  compare        two runs picked in Past runs: each column holds exactly its trace's segment arrows,
                 an instant has one y in both (zoomed too), the RST only one run has is marked and
                 listed; the sticky header shows each socket's state
  instants       a packetdrill run (zero-delay link: a segment arrives when it is sent): the events of
                 one instant each on their own row in event order, every zero-delay arrow horizontal
                 with its head at the receiver, no two labels overlapping, → stepping row by row;
                 loopback (a host talking to itself) the same; two such runs compared stay level
  zoom           a lossy bulk transfer: its summary bands count exactly the segments they cover;
                 ctrl + wheel zooms about the pointer, a band click or Enter zooms into it, − and 0,
                 a pinch; far enough in every segment is an arrow, no two labels overlapping
  large          a bulk transfer of >= 100,000 segments: time to first drawn diagram (performance
                 marks read back) under a bound; at zoom 1 few arrows and bands in the DOM and no
                 label over another in the first screen; zoomed in, scrolling redraws
Screenshots of the editor, compare (desktop, phone), timers, the bulk transfer (zoom 1, zoomed in)
and the large trace go to $OUT.

  scripts/viewer-browser.py          # TCPLAB=.build/debug/tcplab, OUT=/tmp, CHROMEDRIVER, CHROMIUM
Env: VIEWER_BIG_BYTES (default 100000000), VIEWER_BIG_BOUND_MS (default 8000).
Exit status 0 when every check passed; lines start with "ok" or "FAIL".
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Chromedriver, WebDriverError, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TCPLAB = os.environ.get("TCPLAB") or os.path.join(ROOT, ".build/debug/tcplab")
OUT = os.environ.get("OUT") or "/tmp"
BIG_BYTES = int(os.environ.get("VIEWER_BIG_BYTES") or 100_000_000)
BIG_BOUND_MS = float(os.environ.get("VIEWER_BIG_BOUND_MS") or 8000)

failures = []
figures = {}


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


class Server:
    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="viewer-browser-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.tmp, "serve.log"), "w")
        self.proc = subprocess.Popen([TCPLAB, "serve", "--port", str(self.port), "--db", os.path.join(self.tmp, "v.sqlite"),
                                      "--static", os.path.join(ROOT, "static"), "--rate-limit", "1000/1000",
                                      "--run-wall-seconds", "120", "--log-level", "warning"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tcplab serve did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        subprocess.run(["rm", "-rf", self.tmp])

    def api(self, method, path, body=None, timeout=180):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, (json.loads(raw) if raw else None)

    def packetdrill(self, script):
        req = urllib.request.Request(self.base + "/api/runs", data=script.encode(), method="POST",
                                     headers={"Content-Type": "text/x-packetdrill"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    def run(self, body):
        status, data = self.api("POST", "/api/runs", body)
        if status != 201:
            raise RuntimeError(f"POST /api/runs {body}: {status} {data}")
        return data


def segment_indices(trace):
    return [i for i, e in enumerate(trace["events"]) if e["type"] == "segment"]


def fresh(s, url):
    """A fresh page load (not just a hash change), so marks and state start from zero."""
    s.get("about:blank")
    s.get(url)


# ---------------------------------------------------------------------------------------------

def test_form_error(s, srv):
    fresh(s, srv.base + "/#/")
    s.wait_js("return document.querySelector('#sc-handshake-queues summary')")
    s.click("#sc-handshake-queues summary")
    s.type("#p-handshake-queues-backlog", "lots")
    s.click("#sc-handshake-queues button.run")
    msg = s.wait_js("return document.querySelector('#p-handshake-queues-backlog-err').textContent")
    check("integer" in msg and "lots" in msg, f"form: the bad backlog's message is under its field: {msg!r}")
    same_field = s.js("const e = document.querySelector('#p-handshake-queues-backlog-err'); "
                      "return e.closest('.field').querySelector('input').id")
    check(same_field == "p-handshake-queues-backlog", "form: the message sits in the backlog field's box")
    check(s.js("return document.querySelector('#p-handshake-queues-backlog').getAttribute('aria-invalid')") == "true",
          "form: the input is aria-invalid")
    others = s.js("return [...document.querySelectorAll('#sc-handshake-queues .field-error')]"
                  ".filter(e => e.id !== 'p-handshake-queues-backlog-err' && e.textContent).length")
    check(others == 0, "form: no other field shows an error")
    check(s.js("return location.hash") == "#/", "form: no run was started")
    # Fixed, "Run and compare with defaults" runs both and opens them side by side.
    for name, value in (("backlog", "1"), ("clients", "3"), ("stagger", "30ms"), ("tcp_abort_on_overflow", "1")):
        s.type(f"#p-handshake-queues-{name}", value)
    s.click("#sc-handshake-queues button.secondary")
    ids = s.wait_js("const m = location.hash.match(/^#\\/compare\\/([a-z2-7]+)\\/([a-z2-7]+)$/); return m && [m[1], m[2]]")
    s.wait_js("return document.querySelectorAll('.compare-col svg.ladder').length === 2")
    sysctl = [srv.api("GET", f"/api/runs/{r}/trace")[1]["hosts"][1]["sysctls"]["tcp_abort_on_overflow"] for r in ids]
    check(sysctl == [0, 1], f"form: Run and compare with defaults opens defaults (A) beside the form's values (B): tcp_abort_on_overflow {sysctl}")


def test_editor(s, srv):
    fresh(s, srv.base + "/#/editor/four-way-close")
    s.wait_js("return document.querySelector('#scenario-json').value.includes('four-way-close')")
    # Break it twice: a misspelt call, and a step without its host (a missing member).
    s.js("""const a = document.querySelector('#scenario-json');
            const lines = a.value.split('\\n');
            const k = lines.findIndex(l => l.includes('"call": "close"') && l.includes('"client"'));
            lines[k] = lines[k].replace('"host": "client", ', '');
            a.value = lines.join('\\n').replace('"call": "connect"', '"call": "conect"');
            a.dispatchEvent(new Event('input'));""")
    s.click(".ed-actions button.run")
    s.wait_js("return document.querySelectorAll('.ed-line.bad').length >= 2")
    text = s.js("return document.querySelector('#scenario-json').value")
    lines = text.split("\n")
    conect = next(n + 1 for n, l in enumerate(lines) if '"conect"' in l)
    nohost = next(n + 1 for n, l in enumerate(lines) if '"call": "close"' in l and '"host"' not in l)
    for line, path, words in ((conect, "steps[5].call", 'unknown call "conect"'), (nohost, "steps[9].host", "missing")):
        beside = s.js(f"return document.querySelector('.ed-line.bad[data-line=\"{line}\"] .ed-msg')?.textContent || ''")
        check(path in beside and words in beside, f"editor: line {line} has {path} beside it: {beside!r}")
        gutter = s.js(f"return document.querySelectorAll('.ed-gutter div')[{line - 1}].className")
        check(gutter == "bad", f"editor: gutter marks line {line}")
        listed = s.js(f"return document.querySelector('#ed-problems li[data-path=\"{path}\"]')?.dataset.line")
        check(listed == str(line), f"editor: the problem list names line {line} for {path}")
    check(s.js("return document.querySelectorAll('.ed-line.bad').length") == 2, "editor: exactly the two lines are marked")
    # The backdrop line really is level with the text line (the message is beside what it names).
    offs = s.js(f"""const a = document.querySelector('#scenario-json'), b = document.querySelector('.ed-line[data-line="{conect}"]');
                   const lh = parseFloat(getComputedStyle(a).lineHeight);
                   return [b.getBoundingClientRect().top - a.getBoundingClientRect().top + a.scrollTop - parseFloat(getComputedStyle(a).paddingTop), ({conect} - 1) * lh];""")
    check(abs(offs[0] - offs[1]) < 1.5, f"editor: marked line {conect} is level with text line {conect} ({offs[0]:.1f} vs {offs[1]:.1f} px)")
    s.js("window.scrollTo(0, 0)")
    s.screenshot(os.path.join(OUT, "viewer-editor.png"))
    # Fixed, it runs.
    s.js("""const a = document.querySelector('#scenario-json');
            a.value = a.value.replace('"conect"', '"connect"').replace(/\\{"at": 1, "socket": "c", "call": "close"\\}/, '{"at": 1, "host": "client", "socket": "c", "call": "close"}');
            a.dispatchEvent(new Event('input'));""")
    s.click(".ed-actions button.run")
    rid = s.wait_js("const m = location.hash.match(/^#\\/runs\\/([a-z2-7]+)$/); return m && m[1]")
    n = s.wait_js("return document.querySelectorAll('svg.ladder .seg').length")
    status, summary = srv.api("GET", f"/api/runs/{rid}")
    check(status == 200 and n == summary["summary"]["segments"], f"editor: the fixed scenario ran ({n} arrows)")


def test_delete(s, srv):
    fresh(s, srv.base + "/#/")
    s.wait_js("return document.querySelector('#sc-four-way-close summary')")
    s.click("#sc-four-way-close summary")
    s.click("#sc-four-way-close button.run")
    rid = s.wait_js("const m = location.hash.match(/^#\\/runs\\/([a-z2-7]+)$/); return m && m[1]")
    check(srv.api("GET", f"/api/runs/{rid}")[0] == 200, f"delete: run {rid} started from the catalogue")
    s.get(srv.base + "/#/runs")
    s.wait_js(f"return document.querySelector('tr[data-id=\"{rid}\"]')")
    s.click(f'tr[data-id="{rid}"] button.danger')
    token = s.wait_js(f"return document.querySelector('#tok-{rid}').value")
    check(len(token) >= 20, "delete: the browser remembered the run's delete token")
    s.type(f"#tok-{rid}", "not-the-token")
    s.click(f"#tok-{rid} ~ button[type=submit]")
    err = s.wait_js(f"return document.querySelector('#tok-{rid}').closest('form').querySelector('.field-error').textContent")
    check(bool(err) and s.js(f"return !!document.querySelector('tr[data-id=\"{rid}\"]')"), f"delete: a wrong token is refused: {err!r}")
    s.type(f"#tok-{rid}", token)
    s.click(f"#tok-{rid} ~ button[type=submit]")
    s.wait_js(f"return !document.querySelector('tr[data-id=\"{rid}\"]')")
    check(rid in s.js("return document.querySelector('p[role=status]').textContent"), "delete: the row is gone and the status says so")
    check(srv.api("GET", f"/api/runs/{rid}")[0] == 404, "delete: GET /api/runs/{id} answers 404")
    status, page = srv.api("GET", "/api/runs?limit=100")
    check(all(r["id"] != rid for r in page["runs"]), "delete: the API's list no longer has it")
    fresh(s, srv.base + "/#/runs")
    s.wait_js("return document.querySelector('table.runs tbody tr') || document.querySelector('p[role=status]').textContent === '—'")
    check(not s.js(f"return !!document.querySelector('tr[data-id=\"{rid}\"]')"), "delete: reloaded, the list does not show it")


def test_keyboard(s, srv):
    rid = srv.run({"scenario": "four-way-close"})["id"]
    fresh(s, srv.base + f"/#/runs/{rid}")
    s.wait_js("return document.querySelectorAll('svg.ladder .seg').length")
    s.wait_js("return document.querySelector('aside.sockets h2').textContent.includes('t = ')")
    first = s.js("return Math.min(...[...document.querySelectorAll('svg.ladder [data-i]')].map(e => +e.dataset.i))")
    s.js("document.querySelector('.ladder-scroll').focus()")  # (a click could select an arrow)
    s.keys("ArrowRight")
    cur = s.wait_js("return document.querySelector('ol.events li.current')?.id")
    check(cur == f"ev-{first}", f"keyboard: → puts the cursor on the first drawn event ({cur})")
    check(s.js("return !!document.querySelector('svg.ladder .cursor')"), "keyboard: the cursor line is drawn")
    # Step until an event at t >= 0.04 s (the client is ESTABLISHED): the socket table follows.
    t = 0.0
    for _ in range(60):
        s.keys("ArrowRight")
        t = float(s.js("return document.querySelector('ol.events li.current').textContent.trim().split(/\\s+/)[0]"))
        if t >= 0.04:
            break
    want = f"t = {t:.3f}"
    head = s.wait_js(f"const h = document.querySelector('aside.sockets h2').textContent; return h.includes('{want}') && h")
    table = s.js("return document.querySelector('aside.sockets pre').textContent")
    check("ESTAB" in table, f"keyboard: the socket table follows the cursor ({head.strip()}: {'ESTAB' if 'ESTAB' in table else table[:80]!r})")
    before = s.js("return +document.querySelector('ol.events li.current').id.slice(3)")
    s.keys("ArrowLeft")
    after = s.wait_js(f"const i = +document.querySelector('ol.events li.current').id.slice(3); return i !== {before} && i")
    check(after < before, f"keyboard: ← steps back ({before} → {after})")
    # Dragging along the time axis moves the cursor to the event drawn at (or just above) the pointer.
    s.js("window.scrollTo(0, 0); document.querySelector('.ladder-scroll').scrollTop = 0")
    box = s.js("const r = document.querySelector('.ladder-scroll').getBoundingClientRect(); return [r.left, r.top, r.height]")
    y_end = box[1] + min(box[2] - 40, 420)
    s.drag_viewport(box[0] + 30, box[1] + 80, box[0] + 30, y_end)
    got = s.wait_js(f"const i = +document.querySelector('ol.events li.current').id.slice(3); return i !== {after} && i")
    cy, py = s.js(f"const sv = document.querySelector('svg.ladder'); return [+sv.querySelector('.cursor').getAttribute('y1'), {y_end} - sv.getBoundingClientRect().top]")
    check(cy <= py + 1 and py - cy < 150, f"keyboard: dragging the time axis moves the cursor (event {got}, cursor at y={cy:.0f}, pointer at y={py:.0f})")
    # The language switch: the notes become Chinese.
    s.click('[data-lang="zh"]')
    zh = s.wait_js("const t = [...document.querySelectorAll('svg.ladder .notetext')].map(e => e.textContent).join(''); return /[\\u4e00-\\u9fff]/.test(t) && t")
    check(bool(zh), "keyboard: 中文 switches the notes to Chinese")
    s.click('[data-lang="en"]')
    s.wait_js("return document.documentElement.lang === 'en' && document.querySelectorAll('svg.ladder .notetext').length")


def test_drag_zoom(s, srv):
    bid = srv.run({"scenario": "bulk-transfer", "params": {"bytes": "300000", "loss": "0.03", "rate": "10Mbit"}})["id"]
    fresh(s, srv.base + f"/#/runs/{bid}?show=graphs")
    n0 = s.wait_js("return document.querySelectorAll('svg.tsg .tsg-seg').length")
    xs0 = s.js("return [...document.querySelectorAll('svg.tsg text.xl')].map(e => +e.textContent)")
    s.js("document.querySelector('svg.tsg').scrollIntoView({block: 'center'})")
    w = s.js("return document.querySelector('svg.tsg').getBoundingClientRect().width")
    s.drag("svg.tsg", int(-w * 0.3), 0, int(-w * 0.05), 0)
    s.wait_js("return !document.querySelector('.sg-reset').hidden")
    n1 = s.js("return document.querySelectorAll('svg.tsg .tsg-seg').length")
    xs1 = s.js("return [...document.querySelectorAll('svg.tsg text.xl')].map(e => +e.textContent)")
    check(0 < n1 < n0, f"drag-zoom: fewer bars after the drag ({n0} → {n1})")
    check(xs1[0] > xs0[0] and xs1[-1] < xs0[-1], f"drag-zoom: the time axis narrowed ({xs0[0]}–{xs0[-1]} s → {xs1[0]}–{xs1[-1]} s)")
    check(s.js("return document.querySelectorAll('svg.ccg path.cc-cwnd, svg.rttg path.rtt-line').length") == 2,
          "drag-zoom: cwnd and RTT redrawn on the same range")
    s.click(".sg-reset")
    n2 = s.wait_js(f"const n = document.querySelectorAll('svg.tsg .tsg-seg').length; return n === {n0} && n")
    check(n2 == n0, "drag-zoom: reset shows every bar again")


def socket_states(trace, host, t):
    """What the sticky header shows for a host at t: its sockets' states, sockets in one state together
    in the order they appeared ("ls LISTEN · conn1,conn2 ESTABLISHED")."""
    last = {}
    for e in trace["events"]:
        if e["type"] == "state" and e["host"] == host and e["t"] <= t + 1e-12:
            last[e.get("socket") or ""] = e["to"]
        elif e["type"] == "state" and e["host"] == host:
            last.setdefault(e.get("socket") or "", None)
    groups = {}
    for sock, state in last.items():
        if state is not None:
            groups.setdefault(state, []).append(sock)
    return " · ".join(f"{','.join(socks)} {state}" for state, socks in groups.items())


def test_compare(s, srv, driver):
    params = {"backlog": 1, "clients": 3, "stagger": "30ms"}
    a = srv.run({"scenario": "handshake-queues", "params": dict(params, tcp_abort_on_overflow=0)})["id"]
    b = srv.run({"scenario": "handshake-queues", "params": dict(params, tcp_abort_on_overflow=1)})["id"]
    traces = {k: srv.api("GET", f"/api/runs/{k}/trace")[1] for k in (a, b)}
    fresh(s, srv.base + "/#/runs")
    s.wait_js(f"return document.querySelector('tr[data-id=\"{a}\"]') && document.querySelector('tr[data-id=\"{b}\"]')")
    s.click(f'tr[data-id="{b}"] input[type=checkbox]')
    s.click(f'tr[data-id="{a}"] input[type=checkbox]')
    s.click(".compare-bar button")
    s.wait_js("return document.querySelectorAll('.compare-col svg.ladder').length === 2")
    check(s.js("return location.hash") == f"#/compare/{a}/{b}", "compare: two runs ticked in Past runs open #/compare/A/B (older left)")
    for col, rid in (("A", a), ("B", b)):
        drawn = sorted(s.js(f"return [...document.querySelectorAll('.compare-col[data-run=\"{col}\"] .seg')].map(g => +g.dataset.i)"))
        want = segment_indices(traces[rid])
        check(drawn == want, f"compare: column {col} holds exactly the {len(want)} segments of {rid} (drew {len(drawn)})")
    # One time axis: every instant has the same y in both columns.
    def level_instants():
        """(t, y in A, y in B) for each instant with arrows in both columns; bursts stack below the
        instant, so the topmost arrow leaving at it counts."""
        ys = {col: s.js(f"return [...document.querySelectorAll('.compare-col[data-run=\"{col}\"] .seg')].map(g => [+g.dataset.i, +g.querySelector('line.arrow').getAttribute('y1')])")
              for col in "AB"}
        by_t = {}
        for col, rid in (("A", a), ("B", b)):
            for i, y in ys[col]:
                by_t.setdefault(traces[rid]["events"][i]["t"], {}).setdefault(col, set()).add(round(y, 1))
        return [(t, min(v["A"]), min(v["B"])) for t, v in by_t.items() if "A" in v and "B" in v]
    shared = level_instants()
    check(len(shared) >= 5 and all(abs(ya - yb) < 0.05 for _, ya, yb in shared),
          f"compare: {len(shared)} instants with arrows in both runs are level across the columns")
    rst = [i for i in segment_indices(traces[b]) if "RST" in traces[b]["events"][i]["flags"]]
    marked = s.js("return [...document.querySelectorAll('.compare-col[data-run=\"B\"] .seg[data-diff][data-kind=\"rst\"]')].map(g => +g.dataset.i)")
    check(len(rst) == 1 and marked == rst, f"compare: B's RST (only with tcp_abort_on_overflow=1) is marked as a difference {marked}")
    check(s.js("return document.querySelectorAll('.compare-col[data-run=\"A\"] .seg[data-kind=\"rst\"]').length") == 0, "compare: A has no RST")
    first = s.js("return document.querySelector('ol.cmp-diffs li').textContent")
    check("RST" in first and first.startswith("B"), f"compare: the first listed difference is B's RST: {first!r}")
    check("tcp_abort_on_overflow" in s.js("return document.querySelector('ul.cmp-scenario').textContent"),
          "compare: the scenario difference names tcp_abort_on_overflow")
    s.js("document.querySelector('.compare-scroll').focus()")
    s.keys("ArrowRight")
    st = s.wait_js("const t = document.querySelector('.cmp-status').textContent; return t.startsWith('Difference 1') && t")
    check(s.js("return document.querySelectorAll('.compare-col svg.ladder .cursor').length") == 2, f"compare: → goes to the first difference, cursor in both ({st})")
    s.js("window.scrollTo(0, 0)")
    s.screenshot(os.path.join(OUT, "viewer-compare.png"))
    s.js("document.querySelector('.compare-scroll').scrollIntoView()")
    s.screenshot(os.path.join(OUT, "viewer-compare-ladders.png"))
    # Zooming zooms both columns together: still level, B's RST still marked.
    s.js("document.querySelector('.compare-scroll').focus()")
    s.keys("+")
    zs = s.wait_js("const z = [...document.querySelectorAll('.compare-col svg.ladder')].map(e => e.dataset.zoom); return z[0] === '2' && z")
    level = level_instants()
    marked = s.js("return [...document.querySelectorAll('.compare-col[data-run=\"B\"] .seg[data-diff][data-kind=\"rst\"]')].map(g => +g.dataset.i)")
    check(zs == ["2", "2"] and len(level) == len(shared) and all(abs(ya - yb) < 0.05 for _, ya, yb in level) and marked == rst
          and "zoom=2" in s.js("return location.hash"),
          f"compare: + zooms both columns to ×2 together ({len(level)} instants still level, the RST still marked, zoom=2 in the address)")
    # The same run alone: timers and queues beside the lines.
    fresh(s, srv.base + f"/#/runs/{b}?at=0.03")
    s.wait_js("return document.querySelectorAll('svg.ladder .timer').length && document.querySelectorAll('svg.ladder text.queue').length")
    kinds = set(s.js("return [...document.querySelectorAll('svg.ladder g.timer')].map(g => g.dataset.timer)"))
    set_kinds = {e["timer"] for e in traces[b]["events"] if e["type"] == "timer"}
    check({"retransmit", "synack"} <= kinds <= set_kinds, f"timers: bars for {sorted(kinds)}")
    queues = s.js("return [...document.querySelectorAll('svg.ladder text.queue')].map(e => e.textContent)")
    check(any("accept 2/1 full" in q for q in queues), f"queues: the full accept queue is labelled ({len(queues)} labels)")
    s.wait_js("return document.querySelector('aside.sockets h2').textContent.includes('t = ')")
    s.js("document.querySelector('.ladder-scroll').scrollIntoView()")
    s.screenshot(os.path.join(OUT, "viewer-timers.png"))
    # The sticky header names each socket's state at the top of the view (the listener has several).
    s.js("document.querySelector('.ladder-scroll').scrollTop = 330")
    t_head, head = s.wait_js("const t = document.querySelector('svg.ladder-head .headt').textContent, "
                             "h = document.querySelector('svg.ladder-head .headstate[data-h=\"1\"]').textContent; return t && [+t, h]")
    want = socket_states(traces[b], "server", t_head)
    check(head == want and "ls LISTEN · " in head, f"header: at t = {t_head} the server shows each socket's state: {head!r}"
          + ("" if head == want else f" (want {want!r})"))
    # At phone width (390 px, emulated: a desktop window is at least 500 px wide).
    with driver.session(mobile=(390, 844)) as phone:
        phone.get(srv.base + f"/#/compare/{a}/{b}")
        phone.wait_js("return document.querySelectorAll('.compare-col svg.ladder').length === 2")
        check(phone.js("return document.documentElement.clientWidth") == 390 and
              phone.js("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"),
              "compare: at 390 px the page does not scroll sideways (the diagram scrolls in its box)")
        phone.js("document.querySelector('.compare-scroll').scrollIntoView()")
        phone.screenshot(os.path.join(OUT, "viewer-compare-phone.png"))


PD_SCRIPT = """0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>
+.01 < . 1:1(0) ack 1 win 502
+0 accept(3, ..., ...) = 4
+.01 < P. 1:101(100) ack 1 win 502
+0 > . 1:1(0) ack 101
+.01 close(4) = 0
+0 > R. 1:1(0) ack 101
"""

# What a ladder (one column) draws, in diagram coordinates: each arrow's ends, whether it has a head,
# its label's box; each side label's box; the hosts' x; the time ticks. Arrows are lines, or paths
# (a host's segment to itself): a path's row is where it starts.
LADDER_GEOMETRY_JS = """
const root = document.querySelector(arguments[0]);
const sv = root.querySelector('svg.ladder'), head = root.querySelector('svg.ladder-head');
const o = sv.getBoundingClientRect();
const box = (e) => { const r = e.getBoundingClientRect(); return [r.left - o.left, r.top - o.top, r.right - o.left, r.bottom - o.top]; };
const segs = [...sv.querySelectorAll('g.seg')].map((g) => {
  const a = g.querySelector('.arrow'), n = (k) => +a.getAttribute(k);
  let x1, y1, x2, y2;
  if (a.tagName === 'line') { x1 = n('x1'); y1 = n('y1'); x2 = n('x2'); y2 = n('y2'); }
  else { const m = a.getAttribute('d').match(/^M\\s*([-\\d.]+)[ ,]([-\\d.]+)/); x1 = +m[1]; y1 = +m[2]; }
  const lab = g.querySelector('.seglabel');
  return { i: +g.dataset.i, line: a.tagName === 'line', x1, y1, x2, y2, head: !!a.getAttribute('marker-end'),
           box: box(a), label: box(lab), text: lab.textContent };
});
const labels = [...sv.querySelectorAll('g.items > text[data-i]')].map((e) => ({ i: +e.dataset.i, box: box(e), text: e.textContent }));
const hosts = Object.fromEntries([...head.querySelectorAll('text.hostname')].map((e) => [e.textContent, +e.getAttribute('x')]));
const ticks = [...sv.querySelectorAll('line.tickline')].map((l) => +l.getAttribute('y1'));
const tickText = [...sv.querySelectorAll('text.tick:not(.breaktick)')].map((e) => e.textContent);
return { segs, labels, hosts, ticks: ticks.map((y, k) => [tickText[k], y]) };
"""


def overlaps(a, b, slack=1.5):
    """Two boxes [x0, y0, x1, y1] overlap by more than `slack` px both ways (glyph boxes are a bit tall)."""
    return min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack


def check_instants(geo, trace, name, axis=True):
    """The checks of one drawn ladder of a run whose segments may arrive when they are sent."""
    ev = trace["events"]
    segs = {g["i"]: g for g in geo["segs"]}
    want = segment_indices(trace)
    check(sorted(segs) == want, f"{name}: one arrow per segment ({len(segs)} drawn, {len(want)} in the trace)")
    zero = [i for i in want if ev[i].get("arrivesAt") == ev[i]["t"] and ev[i]["from"] != ev[i]["to"]]
    bad = [i for i in zero if not (segs[i]["line"] and abs(segs[i]["y1"] - segs[i]["y2"]) < 0.05 and segs[i]["head"]
                                   and abs(segs[i]["x2"] - geo["hosts"][ev[i]["to"]]) < 1)]
    check(not bad, f"{name}: {len(zero)} zero-delay arrows are horizontal arrows with the head at the receiver"
          + (f" (not: {bad})" if bad else ""))
    # Every event drawn at an instant (arrow or side label) on a row of its own, in event order.
    rows = {}
    for g in geo["segs"]:
        rows.setdefault(ev[g["i"]]["t"], []).append((g["i"], g["y1"], "arrow"))
    for lab in geo["labels"]:
        rows.setdefault(ev[lab["i"]]["t"], []).append((lab["i"], lab["box"][1], "label"))
    disorder = []
    for t, rs in rows.items():
        rs.sort()
        for (i, y, k), (j, y2, k2) in zip(rs, rs[1:]):
            if i != j and not (y2 > y + 2 if (k, k2) != ("label", "arrow") else y2 > y + 8):
                disorder.append(f"t={t}: [{i}] {k} y={y:.1f}, [{j}] {k2} y={y2:.1f}")
    arrows_at = {}
    for g in geo["segs"]:
        arrows_at.setdefault(ev[g["i"]]["t"], []).append(g["y1"])
    shared = sum(1 for ys in arrows_at.values() if len(ys) > 1)
    same_y = [t for t, ys in arrows_at.items() if len(set(round(y) for y in ys)) < len(ys)]
    check(shared >= 1 and not same_y, f"{name}: arrows leaving at one instant ({shared} such instants) are drawn at distinct y"
          + (f" (same y at t = {same_y})" if same_y else ""))
    check(not disorder, f"{name}: the events of an instant are drawn one row each, in event order"
          + (f" ({len(disorder)} out of order: {disorder[:3]})" if disorder else ""))
    # No label over another: arrow labels among themselves and against the side labels.
    boxes = [(f"[{g['i']}] {g['text']}", g["label"]) for g in geo["segs"]] + [(f"[{l['i']}] {l['text']}", l["box"]) for l in geo["labels"]]
    clash = [(p[0], q[0]) for k, p in enumerate(boxes) for q in boxes[k + 1:] if overlaps(p[1], q[1])]
    check(not clash, f"{name}: no two labels overlap ({len(boxes)} labels)" + (f" (overlapping: {clash[:3]})" if clash else ""))
    if not axis:  # (the compare view's right-hand column shares the left one's axis)
        return
    # The time axis: one label per instant, at the instant's first row, none inside another instant's rows.
    span = {t: (min(y for _, y, _ in rs), max(y for _, y, _ in rs)) for t, rs in rows.items()}
    wrong = []
    for text, y in geo["ticks"]:
        t = min(span, key=lambda u: abs(u - float(text)))
        if abs(t - float(text)) > 5e-7 or abs(y - span[t][0]) > 3:
            wrong.append(f"{text} at y={y:.1f}")
        wrong += [f"{text} at y={y:.1f} inside t={u}" for u, (a, b) in span.items() if u != t and a + 2 < y < b - 2]
    texts = [text for text, _ in geo["ticks"]]
    check(geo["ticks"] and len(set(texts)) == len(texts) and not wrong,
          f"{name}: the time axis labels each instant once, at its first row ({', '.join(texts)})" + (f" (wrong: {wrong[:3]})" if wrong else ""))


def test_instants(s, srv):
    run = srv.packetdrill(PD_SCRIPT)
    rid = run["id"]
    trace = srv.api("GET", f"/api/runs/{rid}/trace")[1]
    check(run["summary"]["packetdrill"]["verdict"] == "pass", f"instants: the packetdrill script passes ({rid})")
    fresh(s, srv.base + f"/#/runs/{rid}")
    n = run["summary"]["segments"]
    s.wait_js(f"return document.querySelectorAll('svg.ladder .seg').length === {n}")
    geo = s.js(LADDER_GEOMETRY_JS, ".ladder-root")
    check_instants(geo, trace, "instants (packetdrill)")
    # → steps event by event; on an arrow the cursor is on the arrow's row; the cursor never goes up.
    s.js("document.querySelector('.ladder-scroll').focus()")
    arrow_y = {g["i"]: g["y1"] for g in geo["segs"]}
    seen, prev, bad = [], -1, []
    for _ in range(40):
        s.keys("ArrowRight")
        i = s.wait_js(f"const li = document.querySelector('ol.events li.current'); const i = li ? +li.id.slice(3) : -1; return i !== {prev} && i + 1")
        i -= 1
        y = s.js("return +document.querySelector('svg.ladder .cursor').getAttribute('y1')")
        if (seen and y < seen[-1][1] - 0.05) or (i in arrow_y and abs(y - arrow_y[i]) > 0.6):
            bad.append((i, round(y, 1)))
        seen.append((i, y))
        if i == max(arrow_y):
            break
        prev = i
    on_arrows = [y for i, y in seen if i in arrow_y]
    check(not bad and len(on_arrows) == len(arrow_y) and len(set(round(y) for y in on_arrows)) == len(on_arrows),
          f"instants: → steps through {len(seen)} events, the cursor on each arrow's own row, never moving up" + (f" (wrong: {bad})" if bad else ""))
    # Dragging the time axis onto the first arrow's row puts the cursor on that arrow, not on the
    # instant's last event.
    first = min(arrow_y)
    s.js("window.scrollTo(0, 0); document.querySelector('.ladder-scroll').scrollTop = 0")
    sv = s.js("const r = document.querySelector('svg.ladder').getBoundingClientRect(); return [r.left, r.top]")
    s.drag_viewport(sv[0] + 30, sv[1] + arrow_y[first] - 30, sv[0] + 30, sv[1] + arrow_y[first] + 3)
    got = s.wait_js(f"const li = document.querySelector('ol.events li.current'); return li && +li.id.slice(3) === {first} && 'ok'", timeout=5)
    check(got == "ok", f"instants: dragging the time axis to the first arrow's row selects it (event {first})")
    s.js("window.scrollTo(0, 0)")
    s.screenshot(os.path.join(OUT, "viewer-instants.png"))
    # Loopback: a host's segments to itself arrive 10 µs later; drawn beside its line, not over its labels.
    lo = srv.run({"scenario": "self-connect"})
    lo_trace = srv.api("GET", f"/api/runs/{lo['id']}/trace")[1]
    fresh(s, srv.base + f"/#/runs/{lo['id']}")
    s.wait_js(f"return document.querySelectorAll('svg.ladder .seg').length === {lo['summary']['segments']}")
    geo = s.js(LADDER_GEOMETRY_JS, ".ladder-root")
    boxes = [(f"[{g['i']}] {g['text']}", g["label"]) for g in geo["segs"]] + [(f"[{l['i']}] {l['text']}", l["box"]) for l in geo["labels"]]
    clash = [(p[0], q[0]) for k, p in enumerate(boxes) for q in boxes[k + 1:] if overlaps(p[1], q[1])]
    check(not clash, f"instants (loopback): no two labels overlap ({len(boxes)} labels)" + (f" (overlapping: {clash[:3]})" if clash else ""))
    flat = [g["i"] for g in geo["segs"] if g["box"][2] - g["box"][0] < 16 or not g["head"]]
    check(len(geo["segs"]) == len(segment_indices(lo_trace)) and not flat,
          f"instants (loopback): each of the {len(geo['segs'])} segments to itself is an arrow out of the line and back" + (f" (not: {flat})" if flat else ""))
    s.screenshot(os.path.join(OUT, "viewer-loopback.png"))
    # Two packetdrill runs compared, B with one more arrow at 0.02 s (an old ACK, answered by the kernel:
    # two more rows there): the arrows both have stay level across the columns, at 0.03 s too.
    extra = PD_SCRIPT.replace("+0 > . 1:1(0) ack 101\n", "+0 > . 1:1(0) ack 101\n+0 < . 1:1(0) ack 1 win 502\n")
    b = srv.packetdrill(extra)
    traces = {"A": trace, "B": srv.api("GET", f"/api/runs/{b['id']}/trace")[1]}
    fresh(s, srv.base + f"/#/compare/{rid}/{b['id']}")
    s.wait_js("return document.querySelectorAll('.compare-col svg.ladder').length === 2 && "
              f"document.querySelectorAll('.compare-col[data-run=\"B\"] .seg').length === {b['summary']['segments']}")
    ys = {}
    for col in "AB":
        geo = s.js(LADDER_GEOMETRY_JS, f'.compare-col[data-run="{col}"]')
        check_instants(geo, traces[col], f"instants (compare {col})", axis=col == "A")
        ev, count = traces[col]["events"], {}
        for g in geo["segs"]:
            e = ev[g["i"]]
            k = (e["t"], e["from"], ",".join(e["flags"]), e["seq"], e.get("ack"), e["len"])
            count[k] = count.get(k, -1) + 1
            ys[(col,) + k + (count[k],)] = g["y1"]
    pairs = [(k[1:], ys[k], ys[("B",) + k[1:]]) for k in ys if k[0] == "A" and ("B",) + k[1:] in ys]
    uneven = [(k, ya, yb) for k, ya, yb in pairs if abs(ya - yb) > 0.05]
    more = b["summary"]["segments"] - run["summary"]["segments"]
    check(more > 0 and len(pairs) == len(segment_indices(trace)) and not uneven and len(ys) - 2 * len(pairs) == more,
          f"instants (compare): the {len(pairs)} arrows both runs have are level across the columns ({more} only in B)"
          + (f" (uneven: {uneven[:3]})" if uneven else ""))
    s.js("document.querySelector('.compare-scroll').scrollIntoView()")
    s.screenshot(os.path.join(OUT, "viewer-instants-compare.png"))


# Every arrow label and summary-band label a ladder draws (in the part of the view given, or all),
# as the polygon it covers in diagram coordinates: its glyph box (getBBox) through its transform.
LABEL_POLYS_JS = """
const root = document.querySelector(arguments[0]), inView = arguments[1];
const sv = root.querySelector('svg.ladder'), sc = sv.closest('.ladder-scroll');
const o = sv.getBoundingClientRect(), r = sc.getBoundingClientRect();
const top = r.top - o.top + 44, bottom = r.bottom - o.top;  // (below the sticky host names)
const inv = sv.getScreenCTM().inverse();
return [...sv.querySelectorAll('text.seglabel, text.bandlabel')].map((e) => {
  const b = e.getBBox(), m = inv.multiply(e.getScreenCTM());
  const poly = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
    .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  const g = e.closest('g.seg, g.segband');
  return { kind: g.classList.contains('seg') ? 'arrow' : 'band', i: +(g.dataset.i ?? g.dataset.i0), text: e.textContent, poly };
}).filter((l) => !inView || l.poly.some(([, y]) => y >= top && y <= bottom));
"""


def polys_overlap(p, q, slack=1.5):
    """Two convex polygons overlap by more than `slack` px (separating axis test)."""
    for poly in (p, q):
        for k in range(len(poly)):
            (ax, ay), (bx, by) = poly[k], poly[(k + 1) % len(poly)]
            nx, ny = by - ay, ax - bx
            n = (nx * nx + ny * ny) ** 0.5 or 1
            pp = [(x * nx + y * ny) / n for x, y in p]
            qq = [(x * nx + y * ny) / n for x, y in q]
            if min(max(pp), max(qq)) - max(min(pp), min(qq)) <= slack:
                return False
    return True


def label_clashes(labels):
    labels = sorted(labels, key=lambda l: min(y for _, y in l["poly"]))
    out = []
    for k, a in enumerate(labels):
        a_bottom = max(y for _, y in a["poly"])
        for b in labels[k + 1:]:
            if min(y for _, y in b["poly"]) > a_bottom:
                break
            if polys_overlap(a["poly"], b["poly"]):
                out.append((f"[{a['i']}] {a['text']}", f"[{b['i']}] {b['text']}"))
    return out


# The summary bands of a ladder and its arrows: each band direction's counts and event range.
BAND_COUNTS_JS = """
const root = document.querySelector(arguments[0]);
const sv = root.querySelector('svg.ladder');
const hosts = [...root.querySelectorAll('svg.ladder-head text.hostname')].map((e) => e.textContent);
return { zoom: +sv.dataset.zoom, bands: +sv.dataset.bands,
  dirs: [...sv.querySelectorAll('g.segband polygon.band')].map((p) => ({ from: hosts[+p.dataset.from], to: hosts[+p.dataset.to],
    n: +p.dataset.n, drawn: +p.dataset.drawn, i0: +p.dataset.i0, i1: +p.dataset.i1 })),
  segs: [...sv.querySelectorAll('g.seg')].map((g) => +g.dataset.i),
  labelled: sv.querySelectorAll('g.seg text.seglabel').length };
"""


def check_band_counts(name, got, trace, whole=True):
    """Each band direction counts exactly the segments of its direction in its event range, and says
    how many of them are drawn on top; with the whole diagram in the DOM, bands and arrows together
    account for every segment exactly once."""
    ev = trace["events"]
    bad = []
    for b in got["dirs"]:
        covered = [i for i in range(b["i0"], b["i1"] + 1) if ev[i]["type"] == "segment" and ev[i]["from"] == b["from"] and ev[i]["to"] == b["to"]]
        drawn = [i for i in got["segs"] if b["i0"] <= i <= b["i1"] and ev[i]["from"] == b["from"] and ev[i]["to"] == b["to"]]
        if len(covered) != b["n"] or len(drawn) != b["drawn"]:
            bad.append(f"{b['from']}→{b['to']} [{b['i0']}..{b['i1']}]: n={b['n']} vs {len(covered)}, drawn={b['drawn']} vs {len(drawn)}")
    summarized = sum(b["n"] - b["drawn"] for b in got["dirs"])
    want = len(segment_indices(trace))
    total_ok = not whole or (summarized + len(got["segs"]) == want and len(set(got["segs"])) == len(got["segs"]))
    check(not bad and total_ok and (got["bands"] == 0 or got["dirs"]),
          f"{name}: {len(got['dirs'])} band directions count exactly the segments they cover; {summarized} summarized + "
          f"{len(got['segs'])} arrows = {summarized + len(got['segs'])} of {want} segments" + (f" (wrong: {bad[:3]})" if bad else ""))


def zoom_keys(s, key, times=1):
    """Press + or − on the ladder; returns the zoom after each press and the relayout times (ms)."""
    out = []
    for _ in range(times):
        before = s.js("return document.querySelector('svg.ladder').dataset.zoom")
        s.js("document.querySelector('.ladder-scroll').focus()")
        s.keys(key)
        z = s.wait_js(f"const z = document.querySelector('svg.ladder').dataset.zoom; return z !== '{before}' && z", timeout=30)
        out.append((float(z), int(s.js("return +document.querySelector('.ladder-scroll').dataset.zoomMs"))))
    return out


def test_zoom(s, srv, driver):
    run = srv.run({"scenario": "bulk-transfer", "params": {"bytes": 300000, "loss": 0.01}})
    rid, trace = run["id"], srv.api("GET", f"/api/runs/{run['id']}/trace")[1]
    fresh(s, srv.base + f"/#/runs/{rid}")
    s.wait_js("return document.querySelector('svg.ladder')?.dataset.bands")
    got = s.js(BAND_COUNTS_JS, ".ladder-root")
    check(got["zoom"] == 1 and got["bands"] > 0, f"zoom: a bulk transfer at zoom ×1 is summarized ({got['bands']} bands, {len(got['segs'])} arrows)")
    check_band_counts("zoom ×1", got, trace)
    s.js("document.querySelector('.ladder-tools').scrollIntoView(); window.scrollBy(0, -60)")
    s.screenshot(os.path.join(OUT, "viewer-bulk.png"))
    # ctrl + wheel over an arrow: zooms in about it (the arrow stays under the pointer).
    probe = """const sc = document.querySelector('.ladder-scroll'), sv = sc.querySelector('svg.ladder'), r = sc.getBoundingClientRect();
      const at = (g) => sv.getBoundingClientRect().top + +g.querySelector('line.arrow').getAttribute('y1');
      if (arguments[0] != null) { const g = sv.querySelector(`g.seg[data-i="${arguments[0]}"]`); return g && at(g); }
      const gs = [...sv.querySelectorAll('g.seg')].filter((g) => g.querySelector('line.arrow') && at(g) > r.top + 80 && at(g) < r.bottom - 40);
      const g = gs[gs.length >> 1]; return g && [+g.dataset.i, at(g)];"""
    s.js("document.querySelector('.ladder-scroll').scrollTop = 0")
    i, y = s.js(probe, None)
    s.js("""const sc = document.querySelector('.ladder-scroll'), r = sc.getBoundingClientRect();
            sc.dispatchEvent(new WheelEvent('wheel', { deltaY: -400, ctrlKey: true, clientX: r.left + 300, clientY: arguments[0], bubbles: true, cancelable: true }));""", y)
    z = float(s.wait_js("const z = document.querySelector('svg.ladder').dataset.zoom; return z !== '1' && z"))
    y2 = s.js(probe, i)
    check(z > 2 and y2 is not None and abs(y2 - y) < 2 and f"zoom={z:.3g}" in s.js("return location.hash"),
          f"zoom: ctrl + wheel zooms in about the pointer (×{z:.3g}, arrow [{i}] at y={y:.0f} → {y2 if y2 is None else round(y2)}), the address says zoom={z:.3g}")
    # A click on a band zooms into its stretch: its first segment is then in view.
    band = s.js("""const sc = document.querySelector('.ladder-scroll'), sv = sc.querySelector('svg.ladder');
      const g = [...sv.querySelectorAll('g.segband')].find((g) => +g.dataset.n >= 20);
      sc.scrollTop = Math.max(0, g.getBBox().y - 100);
      return [+g.dataset.i0, +g.dataset.n, g.querySelector('text.bandlabel')?.textContent || ''];""")
    z0 = float(s.js("return document.querySelector('svg.ladder').dataset.zoom"))
    s.js("document.querySelector('g.segband[data-i0=\"%d\"] polygon.band').dispatchEvent(new MouseEvent('click', { bubbles: true }))" % band[0])
    z1 = float(s.wait_js(f"const z = +document.querySelector('svg.ladder').dataset.zoom; return z !== {z0} && z"))
    shown = s.js("""const sc = document.querySelector('.ladder-scroll'), sv = sc.querySelector('svg.ladder'), r = sc.getBoundingClientRect(), i = arguments[0];
      const els = [...sv.querySelectorAll(`g.seg[data-i="${i}"] line.arrow`), ...[...sv.querySelectorAll('polygon.band')].filter((p) => +p.dataset.i0 <= i && i <= +p.dataset.i1)];
      return els.some((e) => { const b = e.getBoundingClientRect(); return b.bottom > r.top + 44 && b.top < r.bottom; });""", band[0])
    check(z1 >= 2 * z0 and shown, f"zoom: clicking the band of {band[1]} segments ({band[2]!r}) zooms into it (×{z0:.3g} → ×{z1:.3g}), its first segment in view")
    # Enter on a focused band zooms in too; − zooms out, 0 resets (and the address loses zoom=).
    s.js("const g = [...document.querySelectorAll('g.segband')].find((g) => { const b = g.getBoundingClientRect(); return b.top > 100 && b.bottom < innerHeight; }) || document.querySelector('g.segband'); g.focus()")
    s.keys("Enter")
    z2 = float(s.wait_js(f"const z = +document.querySelector('svg.ladder').dataset.zoom; return z !== {z1} && z"))
    (z3, _), = zoom_keys(s, "-")
    s.js("document.querySelector('.ladder-scroll').focus()")
    s.keys("0")
    z4 = float(s.wait_js("const z = document.querySelector('svg.ladder').dataset.zoom; return z === '1' && z"))
    check(z2 > z1 and abs(z3 - z2 / 2) < 1e-6 * z2 and z4 == 1 and "zoom=" not in s.js("return location.hash"),
          f"zoom: Enter on a band zooms in (×{z2:.3g}), − halves it (×{z3:.3g}), 0 resets (×1, no zoom= in the address)")
    # Far enough in, every segment is an arrow again, with its label.
    for _ in range(16):
        if s.js("return document.querySelector('svg.ladder').dataset.bands") == "0":
            break
        zoom_keys(s, "+")
    got = s.js(BAND_COUNTS_JS, ".ladder-root")
    want = len(segment_indices(trace))
    check(got["bands"] == 0 and sorted(got["segs"]) == segment_indices(trace) and got["labelled"] >= 0.97 * want,
          f"zoom: at ×{got['zoom']:.3g} every one of the {want} segments is an arrow again ({got['labelled']} with their label)")
    labels = s.js(LABEL_POLYS_JS, ".ladder-root", False)
    clash = label_clashes(labels)
    check(not clash, f"zoom: at ×{got['zoom']:.3g} no two of the {len(labels)} arrow labels overlap" + (f" (overlapping: {clash[:3]})" if clash else ""))
    s.screenshot(os.path.join(OUT, "viewer-bulk-zoomed.png"))
    # Two fingers on a touch screen (an emulated phone): spreading them zooms in.
    with driver.session(mobile=(390, 844)) as phone:
        phone.get(srv.base + f"/#/runs/{rid}")
        phone.wait_js("return document.querySelector('svg.ladder')?.dataset.zoom")
        phone.js("""const sc = document.querySelector('.ladder-scroll'), r = sc.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const t = (id, dy) => new Touch({ identifier: id, target: sc, clientX: x, clientY: y + dy });
            const fire = (type, ts) => sc.dispatchEvent(new TouchEvent(type, { touches: ts, targetTouches: ts, changedTouches: ts, bubbles: true, cancelable: true }));
            fire('touchstart', [t(1, -40), t(2, 40)]); fire('touchmove', [t(1, -80), t(2, 80)]); fire('touchend', []);""")
        z = phone.wait_js("const z = document.querySelector('svg.ladder').dataset.zoom; return z !== '1' && z")
        check(float(z) == 2, f"zoom: a two-finger pinch spreading to twice the distance zooms to ×{z} (390 px phone)")
    # Opened with ?zoom=, the ladder starts there.
    fresh(s, srv.base + f"/#/runs/{rid}?zoom=8")
    z = s.wait_js("return document.querySelector('svg.ladder')?.dataset.zoom")
    got = s.js(BAND_COUNTS_JS, ".ladder-root")
    check(float(z) == 8, f"zoom: #/runs/{{id}}?zoom=8 opens at ×{z}")
    check_band_counts("zoom ×8", got, trace)


def test_large(s, srv):
    t0 = time.monotonic()
    run = srv.run({"scenario": "bulk-transfer", "params": {"bytes": BIG_BYTES}})
    segs = run["summary"]["segments"]
    figures["large run (s, simulate + store)"] = round(time.monotonic() - t0, 1)
    check(segs >= 100_000, f"large: a bulk transfer of {segs} segments ({run['summary']['events']} events)")
    fresh(s, srv.base + f"/#/runs/{run['id']}")
    marks = s.wait_js("return window.tcplabMarks && window.tcplabMarks['run:painted'] && window.tcplabMarks", timeout=90)
    painted = marks["run:painted"]
    figures["100k first drawn (ms since navigation)"] = round(painted)
    figures["100k phases (ms)"] = {k: round(marks[k] - marks[p]) for p, k in
                                   (("run:start", "run:fetched"), ("run:fetched", "run:parsed"), ("run:parsed", "run:model"), ("run:model", "run:drawn"))}
    check(painted < BIG_BOUND_MS, f"large: {segs} segments drawn {painted:.0f} ms after navigation (bound {BIG_BOUND_MS:.0f} ms; "
          f"fetch {figures['100k phases (ms)']['run:fetched']}, parse {figures['100k phases (ms)']['run:parsed']}, "
          f"layout {figures['100k phases (ms)']['run:model']}, draw {figures['100k phases (ms)']['run:drawn']})")
    # At zoom ×1 the transfer is summarized: few arrows and bands in the DOM, no label over another.
    n, nb = s.js("return [document.querySelectorAll('svg.ladder .seg').length, document.querySelectorAll('svg.ladder .segband').length]")
    figures["100k at ×1: arrows, bands in the DOM"] = [n, nb]
    check(nb > 0 and n + nb < 600, f"large: at zoom ×1, {n} arrows and {nb} summary bands in the DOM (of {segs} segments)")
    s.js("document.querySelector('.ladder-tools').scrollIntoView(); window.scrollBy(0, -60)")
    labels = s.js(LABEL_POLYS_JS, ".ladder-root", True)
    clash = label_clashes(labels)
    check(len(labels) >= 5 and not clash, f"large: in the first screen no two of the {len(labels)} arrow and band labels overlap"
          + (f" (overlapping: {clash[:3]})" if clash else ""))
    s.screenshot(os.path.join(OUT, "viewer-100k.png"))
    # Zoomed in (+ five times: ×32) the diagram is drawn around the view only, and redrawn as it
    # scrolls: to a quarter, the middle and near the end; each time the drawn window moves there,
    # what is in the DOM is what is there, and the first SYN is gone.
    steps = zoom_keys(s, "+", 5)
    figures["100k zoom relayout (ms, each ×2)"] = [ms for _, ms in steps]
    check(steps[-1][0] == 32 and s.js("return +document.querySelector('svg.ladder').dataset.drawnTo") > 0,
          f"large: + five times zooms to ×{steps[-1][0]:g}, drawn around the view (relayout {', '.join(str(ms) for _, ms in steps)} ms)")
    first_seg = s.js("return Math.min(...[...document.querySelectorAll('svg.ladder .seg')].map(g => +g.dataset.i))")
    worst = worst_js = 0
    for frac in (0.25, 0.5, 0.9):
        r = s.js_async("""const done = arguments[arguments.length - 1], frac = arguments[0];
            const sc = document.querySelector('.ladder-scroll'), sv = sc.querySelector('svg.ladder');
            const before = +sv.dataset.redraws, t0 = performance.now();
            sc.scrollTop = Math.round((sc.scrollHeight - sc.clientHeight) * frac);
            requestAnimationFrame(() => requestAnimationFrame(() => {
              const segs = [...sv.querySelectorAll('.seg')];
              const spans = segs.map(g => { const l = g.querySelector('line.arrow'); return [+l.getAttribute('y1'), +l.getAttribute('y2')]; })
                .concat([...sv.querySelectorAll('g.segband')].map(g => { const ys = [...g.querySelectorAll('polygon.band')].flatMap(p => p.getAttribute('points').split(' ').map(q => +q.split(',')[1])); return [Math.min(...ys), Math.max(...ys)]; }));
              const top = sc.scrollTop - (sv.getBoundingClientRect().top - sc.getBoundingClientRect().top + sc.scrollTop);
              done({redraws: +sv.dataset.redraws - before, ms: performance.now() - t0, n: segs.length, bands: sv.querySelectorAll('.segband').length,
                    from: +sv.dataset.drawnFrom, to: +sv.dataset.drawnTo, renderMs: +sv.dataset.renderMs,
                    outside: spans.filter(([a, b]) => Math.max(a, b) < +sv.dataset.drawnFrom - 20 || Math.min(a, b) > +sv.dataset.drawnTo + 20).length,
                    inView: spans.filter(([a, b]) => Math.max(a, b) >= top && Math.min(a, b) <= top + sc.clientHeight).length, top,
                    hasFirst: segs.some(g => +g.dataset.i === arguments[1])});
            }));""", frac, first_seg)
        worst, worst_js = max(worst, r["ms"]), max(worst_js, r["renderMs"])
        check(r["redraws"] >= 1 and r["from"] <= r["top"] <= r["to"] and r["outside"] == 0
              and r["inView"] > 0 and not r["hasFirst"] and r["n"] + r["bands"] < 3000,
              f"large: scrolled to {frac:.0%}: redrawn around y={r['top']:.0f} ({r['n']} arrows and {r['bands']} bands in the DOM, {r['inView']} in view; "
              f"render {r['renderMs']:.0f} ms, next frame {r['ms']:.0f} ms)")
    figures["100k scroll at ×32: render (ms, worst of 3)"] = round(worst_js)
    figures["100k scroll at ×32: until the next frame (ms, worst of 3)"] = round(worst)
    s.screenshot(os.path.join(OUT, "viewer-100k-zoomed.png"))


TESTS = [test_form_error, test_editor, test_delete, test_keyboard, test_drag_zoom, test_compare, test_instants, test_zoom, test_large]


def main():
    only = set(sys.argv[1:])
    if not os.access(TCPLAB, os.X_OK):
        print(f"no tcplab binary at {TCPLAB} (swift build first)")
        return 2
    start = time.monotonic()
    with Server() as srv, Chromedriver() as driver, driver.session(window=(1400, 1000)) as s:
        for test in TESTS:
            name = test.__name__[5:]
            if only and name not in only:
                continue
            t0 = time.monotonic()
            try:
                test(s, srv, driver) if test in (test_compare, test_zoom) else test(s, srv)
            except (WebDriverError, RuntimeError, StopIteration, KeyError, TypeError, ValueError) as e:
                check(False, f"{name}: {type(e).__name__}: {e}")
                try:
                    s.screenshot(os.path.join(OUT, f"viewer-fail-{name}.png"))
                except WebDriverError:
                    pass
            print(f"     ({name}: {time.monotonic() - t0:.1f} s)", flush=True)
    print("figures: " + json.dumps(figures))
    print(f"screenshots in {OUT}: viewer-editor.png viewer-compare.png viewer-compare-ladders.png viewer-compare-phone.png "
          f"viewer-timers.png viewer-instants.png viewer-loopback.png viewer-instants-compare.png viewer-bulk.png viewer-bulk-zoomed.png "
          f"viewer-100k.png viewer-100k-zoomed.png · {time.monotonic() - start:.1f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
