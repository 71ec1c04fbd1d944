#!/usr/bin/env python3
"""four-way-close: the client connects at 0 and writes "ping" at 0.1; the server accepts at 0,
reads at 0.1 (ping) and issues a second, blocking read at 0.5 (EOF when the client closes at
1.0); the server closes at 2.0. ss on the client at 2.2 shows TIME-WAIT.
Run as root: python3 four-way-close.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "four-way-close"
PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(3)
        ctx.at(0.1)
        ctx.recv(c)                  # "ping" (arrives ~0.12)
        ctx.at(0.5)
        ctx.recv(c)                  # EOF ~1.02
        ctx.at(2.0)
        ctx.close(c)
    ctx.at(2.2)
    ctx.sh(["ss", "-tan"], event="ss")
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.1)
        ctx.send(s, b"ping")
        ctx.at(1.0)
        ctx.close(s)
    ctx.at(2.2)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(2.3)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=3.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
