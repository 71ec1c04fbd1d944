#!/usr/bin/env python3
"""cable-unplug-keepalive: the client connects at 0; the server accepts at 0, and at 0.1 sets
SO_KEEPALIVE=1, TCP_KEEPIDLE=5, TCP_KEEPINTVL=2, TCP_KEEPCNT=3 on the accepted socket and issues
a blocking recv. A relay rule drops every frame in both directions from 1.0 to the end. The
keepalive probes go unanswered; the server gives up (RST) and the recv fails (ETIMEDOUT expected
~11). The client holds its socket idle; at 13.0 it adds an iptables OUTPUT drop in its own
namespace and closes, so its teardown puts nothing on the wire. Capture until 13.
Run as root: python3 cable-unplug-keepalive.py"""
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "cable-unplug-keepalive"
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
        ctx.op("setsockopt-SO_KEEPALIVE", c.setsockopt, socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        ctx.op("setsockopt-TCP_KEEPIDLE", c.setsockopt, socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 5)
        ctx.op("setsockopt-TCP_KEEPINTVL", c.setsockopt, socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 2)
        ctx.op("setsockopt-TCP_KEEPCNT", c.setsockopt, socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
        ctx.recv(c)                          # ETIMEDOUT ~11
        ctx.ev("tcp_info", **tcp_info_dict(c))
        ctx.close(c)
    ctx.at(13.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(13.0)
        ctx.ev("tcp_info", **tcp_info_dict(s))
        ctx.sh(["iptables", "-A", "OUTPUT", "-p", "tcp", "-j", "DROP"], event="teardown-iptables")
        ctx.close(s)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=14.5, extra_captures=[(CLI_NS, "veth-c")],
             relay_rules=[{"dir": "both", "from": 1.0, "action": "drop"}])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
