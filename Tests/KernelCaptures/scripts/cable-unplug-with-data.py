#!/usr/bin/env python3
"""cable-unplug-with-data: the client connects at 0; the server accepts at 0 and issues a
blocking recv loop at 0.1 until EOF. A relay rule drops every frame in both directions from 1.0
to 10.0 (cable out). At 2.0 the client sends "important data": tail loss probe, RTO
retransmissions with backoff (all dropped until 10.0), the first one after 10.0 is delivered
and ACKed. At 18.0 the client closes; the server closes on EOF. Capture until 18.5.
Run as root: python3 cable-unplug-with-data.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "cable-unplug-with-data"
PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    ls.close()
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(0.1)
        while True:
            d, e = ctx.recv(c)               # "important data" ~17.4, EOF ~18.02
            if e is not None or not d:
                break
        ctx.close(c)
    ctx.at(18.5)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(2.0)
        ctx.send(s, b"important data")
        ctx.at(17.8)
        ctx.ev("tcp_info", **tcp_info_dict(s))
        ctx.at(18.0)
        ctx.close(s)
    ctx.at(18.5)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=19.5, extra_captures=[(CLI_NS, "veth-c")],
             relay_rules=[{"dir": "both", "from": 1.0, "to": 10.0, "action": "drop"}])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
