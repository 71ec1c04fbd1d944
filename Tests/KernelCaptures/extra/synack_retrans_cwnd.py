#!/usr/bin/env python3
"""A server child whose SYN-ACK had to be retransmitted more than once starts with cwnd 1
(tcp_create_openreq_child(): undo_marker set when the request timed out; tcp_init_transfer():
total_retrans > 1 && undo_marker). The relay drops the first two SYN-ACKs; the server writes
30 KB as soon as accept() returns: how many segments leave before the first ACK comes back?"""
from capture import *  # noqa
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
        ctx.ev("read_total", bytes=read_all(s, 30000))
        ctx.at(8.0); s.close()

if __name__ == "__main__":
    run(NAME, __file__, __doc__, client, server, role_timeout=12, relay_rules=[drop_synack(PORT, 0, 2)])
