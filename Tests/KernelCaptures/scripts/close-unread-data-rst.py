#!/usr/bin/env python3
"""close-unread-data-rst: the client connects at 0 and writes "unread data" at 0.1; the server
accepts at 0 but never reads and close()s at 0.5 (unread data -> RST). The client's blocking
read, issued at 0.2, fails (ECONNRESET expected ~0.52); the client closes at 1.0.
Run as root: python3 close-unread-data-rst.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "close-unread-data-rst"
PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        ctx.at(0.5)
        ctx.close(c)
    ls.close()
    ctx.at(1.1)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.1)
        ctx.send(s, b"unread data")
        ctx.at(0.2)
        ctx.recv(s)                          # ECONNRESET ~0.52
        ctx.at(0.7)
        ctx.sh(["ss", "-tan"], event="ss")
        ctx.at(1.0)
        ctx.close(s)
    ctx.at(1.1)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=2.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
