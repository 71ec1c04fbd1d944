#!/usr/bin/env python3
"""A server child whose SYN-ACK had to be retransmitted more than once starts with cwnd 1
(tcp_create_openreq_child(): undo_marker set when the request timed out; tcp_init_transfer():
total_retrans > 1 && undo_marker). The relay drops the first two SYN-ACKs; the server writes
30 KB as soon as accept() returns: how many segments leave before the first ACK comes back?"""
import os, sys, socket
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
NAME = "synack-retrans-cwnd"
PORT = 7500

def server(ctx):
    ls = tcp_socket((SRV_IP, PORT)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        ctx.send(c, b"s" * 30000)
        ctx.at(8.0)
        c.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41500), timeout=10)
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        got = 0
        while got < 30000:
            d = s.recv(65536)
            if not d: break
            got += len(d)
        ctx.ev("read_total", bytes=got)
        ctx.at(8.0); s.close()

def orchestrate():
    rules = [{"dir": "s2c", "match": {"flags_set": ["SYN", "ACK"], "sport": PORT}, "skip": 0, "count": 2, "action": "drop"}]
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)], description=__doc__,
             role_timeout=12, relay_rules=rules)

if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
