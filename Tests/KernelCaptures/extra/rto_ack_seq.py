#!/usr/bin/env python3
"""Every client data segment is dropped. The client writes 4000 bytes at 0.5 s; the server writes
"hello" at 1.5 s; the client closes at 2.0 s with it unread (RST)."""
import os
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "rto-ack-seq"
PORT = 7000


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    c = ctx.accept(ls)
    ctx.at(1.5)
    if c:
        ctx.send(c, b"hello")
        ctx.at(2.5)
        ctx.close(c)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000), timeout=None)
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.5)
        ctx.send(s, b"x" * 4000)
        ctx.at(2.0)
        ctx.close(s)
    ctx.at(2.6)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=6,
             relay_rules=[{"dir": "c2s", "match": {"min_len": 1}, "action": "drop"}],
             extra_captures=((CLI_NS, "veth-c"),))


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
