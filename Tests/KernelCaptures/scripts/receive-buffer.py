#!/usr/bin/env python3
"""receive-buffer: the client connects at 0, writes "hello" at 0.1 and "world" at 0.2; the
server accepts at 0 but reads (recv 1024) only at 1.0. The client closes at 1.5; the server
reads EOF (blocking read issued right after the first) and closes at 1.7.
Run as root: python3 receive-buffer.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "receive-buffer"
PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(3)
        ctx.at(1.0)
        ctx.recv(c, 1024)            # "helloworld"
        ctx.recv(c, 1024)            # EOF ~1.52
        ctx.at(1.7)
        ctx.close(c)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.1)
        ctx.send(s, b"hello")
        ctx.at(0.2)
        ctx.send(s, b"world")
        ctx.at(1.5)
        ctx.close(s)
    ctx.at(2.0)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=3.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
