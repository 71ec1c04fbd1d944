#!/usr/bin/env python3
"""simultaneous-open: neither side listens. At 0.0 the client socket bound to
10.200.0.1:40000 connects to 10.200.0.2:40001 and the server socket bound to 10.200.0.2:40001
connects to 10.200.0.1:40000; the SYNs cross in the 20 ms relay. Both close at 1.0.
Run as root: python3 simultaneous-open.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "simultaneous-open"


def role(ctx, me, peer):
    s = tcp_socket(me, timeout=3)
    ctx.at(0.0)
    ctx.connect(s, peer)
    ctx.at(0.5)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(1.0)
    ctx.close(s)
    ctx.at(1.4)


def client(ctx):
    role(ctx, (CLI_IP, 40000), (SRV_IP, 40001))


def server(ctx):
    role(ctx, (SRV_IP, 40001), (CLI_IP, 40000))


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=2.5, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
