#!/usr/bin/env python3
"""out-of-order-fin: the client connects at 0; the server accepts at 0 and runs a blocking recv
loop until EOF from 0.05. The client sends "request" at 0.1, shutdown(SHUT_WR) at 0.2, then runs
a blocking recv loop until EOF. After EOF the server sends "response" at 0.5 and close()s at once.
A relay rule delays the FIRST server->client frame that carries payload by an extra 100 ms, so
the server's FIN overtakes its data. The client records `ss -tan` at 0.55 and 0.7 and closes at
0.95. Both roles record their namespace's non-zero TcpExt/Tcp counters at 0.97. Capture until 1.0.
Run as root: python3 out-of-order-fin.py"""
import os
import sys
import threading
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_counters import counters  # noqa: E402

NAME = "out-of-order-fin"
PORT = 8888




def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    ls.close()
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(0.05)
        while True:
            d, e = ctx.recv(c)               # "request" ~0.12, EOF ~0.22
            if e is not None or not d:
                break
        ctx.at(0.5)
        ctx.send(c, b"response")
        ctx.close(c)
    ctx.at(0.97)
    counters(ctx, "at 0.97")
    ctx.at(1.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))

    def snapshots():
        for t in (0.55, 0.7):
            ctx.at(t)
            ctx.sh(["ss", "-tan"], event="ss")
    th = threading.Thread(target=snapshots, daemon=True)
    th.start()
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        s.settimeout(None)
        ctx.at(0.1)
        ctx.send(s, b"request")
        ctx.at(0.2)
        ctx.shutdown(s, socket.SHUT_WR)
        while True:
            d, e = ctx.recv(s)               # "response" and EOF once the held data arrives
            if e is not None or not d:
                break
        th.join(timeout=1.0)
        ctx.at(0.95)
        ctx.close(s)
    ctx.at(0.97)
    counters(ctx, "at 0.97")
    ctx.at(1.0)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=2.0, extra_captures=[(CLI_NS, "veth-c")],
             relay_rules=[{"dir": "s2c", "match": {"min_len": 1}, "count": 1,
                           "action": "delay", "extra_ms": 100}])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
