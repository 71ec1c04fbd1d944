#!/usr/bin/env python3
"""self-connect: one socket in the client namespace binds 10.200.0.1:50000 and connects to
10.200.0.1:50000 (itself) at 0.0; at 0.1 it writes "hi" and reads it back; it closes at 0.3.
The traffic never leaves the host, so the main capture point is lo of the client namespace.
Run as root: python3 self-connect.py"""
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "self-connect"
ADDR = (CLI_IP, 50000)


def client(ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    ctx.op("bind", s.bind, ADDR)
    ctx.at(0.0)
    ctx.connect(s, ADDR)
    ctx.op("getsockname", s.getsockname, describe=lambda r: {"result": "%s:%d" % r})
    ctx.op("getpeername", s.getpeername, describe=lambda r: {"result": "%s:%d" % r})
    ctx.at(0.05)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(0.1)
    ctx.send(s, b"hi")
    ctx.recv(s)
    ctx.at(0.3)
    ctx.close(s)
    ctx.at(0.35)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(0.6)


def orchestrate():
    run_case(NAME, __file__, [("client", CLI_NS)], description=__doc__, role_timeout=1.5,
             capture=(CLI_NS, "lo"), ss_ns=(CLI_NS,))


if __name__ == "__main__":
    entry({"client": client}, orchestrate)
