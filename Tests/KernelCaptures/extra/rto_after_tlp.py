#!/usr/bin/env python3
"""When does the RTO fire after a tail loss probe? The client writes 10 full segments at 0.5 s; the
relay drops the last two and the probe that retransmits the last one. tcp_send_loss_probe() clears
icsk_pending after sending the probe "s.t. tcp_rearm_rto will restart timer from now": the RTO is
one full RTO after the probe, not measured from the head segment's transmission."""
import os, sys, socket
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
NAME = "rto-after-tlp"
PORT = 7300

def server(ctx):
    ls = tcp_socket((SRV_IP, PORT)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(5)
        got = 0
        while got < 14480:
            d = c.recv(65536)
            if not d: break
            got += len(d)
        ctx.ev("read_total", bytes=got)
        ctx.at(3.0)
        c.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41300))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.5); ctx.send(s, b"x" * 14480)
        ctx.at(3.0); s.close()

def orchestrate():
    rules = [{"dir": "c2s", "match": {"min_len": 1, "dport": PORT}, "skip": 8, "count": 3, "action": "drop"}]
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)], description=__doc__,
             role_timeout=8, relay_rules=rules)

if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
