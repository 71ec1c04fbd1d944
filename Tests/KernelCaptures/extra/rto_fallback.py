#!/usr/bin/env python3
"""RFC 6298 5.7 / tcp_init_metrics(): when the handshake gives no RTT sample (the first SYN was
lost and, without timestamps, Karn's rule forbids timing the retransmitted one), the RTO falls
back to 3 s (TCP_TIMEOUT_FALLBACK). The relay drops the client's first SYN; the client (no
timestamps) writes 100 bytes at 2 s, whose first transmission and loss probe are dropped too:
when is it retransmitted? RTO_VARIANT=ts keeps timestamps on (the SYN-ACK's TSecr times the
retransmitted SYN, so the RTO is about 1 RTT + 200 ms). RTO_VARIANT=synack drops the first SYN-ACK
instead (timestamps on): the server's second SYN-ACK still echoes the first SYN's TSval, so the
client's RTT sample, through that echo, spans the SYN timeout (about 1 s)."""
import os
from capture import *  # noqa
VARIANT = os.environ.get("RTO_VARIANT", "nots")
NAME = "rto-fallback-" + VARIANT
PORT = 7400

def server(ctx):
    ls = tcp_socket((SRV_IP, PORT)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(9)
        ctx.recv(c)
        ctx.at(9.0)
        c.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41400))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(2.0); ctx.send(s, b"z" * 100)
        ctx.at(9.0); s.close()

if __name__ == "__main__":
    run(NAME, __file__, __doc__, client, server, role_timeout=12,
        relay_rules=[drop_synack(PORT) if VARIANT == "synack" else drop_syn(PORT), drop_data(PORT, 0, 2)],
        sysctls={CLI_NS: {"net.ipv4.tcp_timestamps": 0}} if VARIANT == "nots" else None)
