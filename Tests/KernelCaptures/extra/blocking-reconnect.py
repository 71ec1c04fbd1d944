#!/usr/bin/env python3
"""Blocking connect() refused, then connect() again on the same socket (auto-bound and bound)."""
import os, sys, socket
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
NAME = "tcpfix-blocking-reconnect"
def server(ctx):
    ctx.at(0.5)
    ls = tcp_socket((SRV_IP, 7002)); ls.listen(8)
    a = ctx.accept(ls); b = ctx.accept(ls)
    ctx.at(1.8)
def client(ctx):
    u = socket.socket(socket.AF_INET, socket.SOCK_STREAM)   # blocking, no timeout
    ctx.at(0.0)
    ctx.op("u_refused", u.connect, (SRV_IP, 7002))
    ctx.op("u_name1", u.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.at(1.0)
    ctx.op("u_again", u.connect, (SRV_IP, 7002))
    ctx.op("u_name2", u.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.op("u_third", u.connect, (SRV_IP, 7002))
    v = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    v.bind((CLI_IP, 42000))
    ctx.op("v_refused", v.connect, (SRV_IP, 7003))
    ctx.op("v_again", v.connect, (SRV_IP, 7002))
    ctx.op("v_name", v.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.at(1.8)
def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)], description=__doc__, role_timeout=4)
if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
