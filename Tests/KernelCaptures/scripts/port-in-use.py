#!/usr/bin/env python3
"""port-in-use: the server binds 0.0.0.0:8888 and listens (backlog 128); a second socket
binds the same port without SO_REUSEADDR (s2) and with SO_REUSEADDR (s3), then (after the
client connected) once more with SO_REUSEADDR (s4). The client connects at 0.1 and stays until
1.0. Case port-in-use: s1 without SO_REUSEADDR; case port-in-use-reuseaddr: s1 with it.
Run as root: python3 port-in-use.py"""
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

PORT = 8888


def new_sock(ctx, name, reuse):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ctx.ev(name + ".socket", so_reuseaddr=s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
    return s


def server(ctx):
    ctx.at(0.0)
    s1 = new_sock(ctx, "s1", ctx.params["s1_reuse"])
    ctx.op("s1.bind", s1.bind, ("0.0.0.0", PORT))
    ctx.op("s1.listen", s1.listen, 128)
    s1.settimeout(3)
    s2 = new_sock(ctx, "s2", False)
    ctx.op("s2.bind", s2.bind, ("0.0.0.0", PORT))
    s3 = new_sock(ctx, "s3", True)
    ctx.op("s3.bind", s3.bind, ("0.0.0.0", PORT))
    c = ctx.accept(s1)
    ctx.at(0.3)
    s4 = new_sock(ctx, "s4", True)
    ctx.op("s4.bind", s4.bind, ("0.0.0.0", PORT))
    ctx.at(0.5)
    ctx.sh(["ss", "-tan"], event="ss")
    if c:
        c.settimeout(3)
        ctx.recv(c)                  # EOF ~1.02
        ctx.at(1.1)
        ctx.close(c)
    ctx.at(1.2)
    ctx.close(s1, event="s1.close")
    for s in (s2, s3, s4):
        s.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.1)
    ctx.connect(s, (SRV_IP, PORT))
    ctx.at(0.5)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(1.0)
    ctx.close(s)
    ctx.at(1.4)


def orchestrate():
    for name, reuse in (("port-in-use", False), ("port-in-use-reuseaddr", True)):
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=2.5, params={"s1_reuse": reuse},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
