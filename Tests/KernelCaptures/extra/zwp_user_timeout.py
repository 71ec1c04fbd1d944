#!/usr/bin/env python3
"""Zero-window probing under TCP_USER_TIMEOUT=10 s: the server never reads; the client writes
100000 bytes at 0.1 s and reads at 0.2 s (after the write returns)."""
import os
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "zwp-user-timeout"
PORT = 7000


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    c = ctx.accept(ls)
    ctx.at(14.0)
    if c:
        ctx.close(c)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000), timeout=None)
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.05)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 10000)
        ctx.at(0.1)
        ctx.send(s, b"x" * 100000)
        ctx.recv(s)
    ctx.at(14.5)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=20)


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
