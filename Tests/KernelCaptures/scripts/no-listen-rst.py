#!/usr/bin/env python3
"""no-listen-rst: the server binds 0.0.0.0:8888 but never listens, keeping the socket open
until 1.0. The client connects at 0.1 (expect RST|ACK and ECONNREFUSED).
Run as root: python3 no-listen-rst.py"""
import socket
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "no-listen-rst"
PORT = 8888


def server(ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ctx.op("bind", s.bind, ("0.0.0.0", PORT))
    ctx.at(0.5)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(1.0)
    ctx.close(s)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.1)
    ctx.connect(s, (SRV_IP, PORT))
    ctx.at(0.5)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.close(s)
    ctx.at(1.1)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=2.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
