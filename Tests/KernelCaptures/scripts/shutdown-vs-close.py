#!/usr/bin/env python3
"""shutdown-vs-close: the client connects at 0 and writes "request" at 0.1.
Case shutdown-vs-close-shutdown: at 0.2 the client calls shutdown(SHUT_WR); the server reads the
request and EOF, at 0.4 writes "response" and closes; the client reads "response", then EOF,
and closes at 0.8.
Case shutdown-vs-close-close: at 0.2 the client calls close() instead; the server reads the
request and EOF, writes "response" at 0.4 (the client answers RST), writes again at 0.6, reads
at 0.7 and closes at 0.8.
Run as root: python3 shutdown-vs-close.py"""
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(3)
        ctx.recv(c)                          # "request" ~0.12
        ctx.recv(c)                          # EOF ~0.22
        ctx.at(0.4)
        ctx.send(c, b"response")
        if ctx.params["mode"] == "close":
            ctx.at(0.6)
            ctx.send(c, b"response2")
            ctx.at(0.7)
            ctx.recv(c)
            ctx.at(0.8)
        ctx.close(c)
    ls.close()
    ctx.at(1.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.1)
        ctx.send(s, b"request")
        ctx.at(0.2)
        if ctx.params["mode"] == "shutdown":
            ctx.shutdown(s, socket.SHUT_WR)
            ctx.recv(s)                      # "response" ~0.42
            ctx.recv(s)                      # EOF
            ctx.at(0.8)
            ctx.close(s)
        else:
            ctx.close(s)
    ctx.at(0.9)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(1.0)


def orchestrate():
    for name, mode in (("shutdown-vs-close-shutdown", "shutdown"),
                       ("shutdown-vs-close-close", "close")):
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=2.0, params={"mode": mode},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
