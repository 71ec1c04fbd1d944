#!/usr/bin/env python3
"""Does the ACK of a retransmission reset the RTO backoff? The client writes 100 bytes at 0.5 s
and 100 more at 2 s; the relay drops each write's first transmission and its tail loss probe, so
the first write is recovered by an RTO retransmission (which doubles the RTO). With timestamps the
ACK of that retransmission is an RTT sample through its TSecr (tcp_ack_update_rtt()), so the RTO is
recomputed (backoff gone) before the second write; without them (RTT_VARIANT=nots) Karn forbids a
sample and the doubled RTO stays: the second write's loss probe and RTO come later."""
import os
from capture import *  # noqa
VARIANT = os.environ.get("RTT_VARIANT", "ts")
NAME = "rto-after-ts-sample-" + VARIANT
PORT = 7200

def server(ctx):
    ls = tcp_socket((SRV_IP, PORT)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(5)
        ctx.recv(c); ctx.recv(c)
        ctx.at(4.0)
        c.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41200))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.5); ctx.send(s, b"a" * 100)
        ctx.at(2.0); ctx.send(s, b"b" * 100)
        ctx.at(4.0); s.close()

if __name__ == "__main__":
    # Client data frames 1, 2 (write 1 and its probe) and 4, 5 (write 2 and its probe) are dropped.
    run(NAME, __file__, __doc__, client, server, role_timeout=8,
        relay_rules=[drop_data(PORT, 0, 2), drop_data(PORT, 1, 2)],
        sysctls={CLI_NS: {"net.ipv4.tcp_timestamps": 0}} if VARIANT == "nots" else None)
