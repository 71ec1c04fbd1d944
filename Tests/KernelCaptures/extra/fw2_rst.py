#!/usr/bin/env python3
"""The client close()s at 0.5 s; the server ACKs the FIN but never closes (client: orphaned
FIN_WAIT_2). At 1.0 s the server's namespace forges a segment to the client: MODE=rst (in-window,
seq = rcv_nxt + 100), rst-oow (seq = rcv_nxt + 200000), syn (seq = rcv_nxt + 5), fin-ooo
(FIN|ACK, seq = rcv_nxt + 10)."""
import os
import socket
import sys
import time
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

MODE = os.environ.get("MODE", "rst")
NAME = "fw2-" + MODE
PORT = 7000


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    sn = Sniffer("veth-s")
    c = ctx.accept(ls)
    fin = None
    for p in sn.packets(ctx.t0 + 0.9):
        if p["sport"] == 41000 and p["flags"] & 0x01:
            fin = p
    sn.close()
    ctx.at(1.0)
    if fin:
        rcv_nxt = fin["ack"]
        if MODE == "rst":
            pkt = build_tcp_ip(SRV_IP, PORT, CLI_IP, 41000, rcv_nxt + 100, 0, 0x04)
        elif MODE == "rst-oow":
            pkt = build_tcp_ip(SRV_IP, PORT, CLI_IP, 41000, rcv_nxt + 200000, 0, 0x04)
        elif MODE == "syn":
            pkt = build_tcp_ip(SRV_IP, PORT, CLI_IP, 41000, rcv_nxt + 5, 0, 0x02)
        else:
            pkt = build_tcp_ip(SRV_IP, PORT, CLI_IP, 41000, rcv_nxt + 10, fin["seq"] + 1, 0x11)
        raw_send(pkt, CLI_IP)
        ctx.ev("forged", mode=MODE)
    ctx.at(2.5)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000), timeout=None)
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.5)
        ctx.close(s)
    ctx.at(1.2)
    ctx.sh(["ss", "-tan", "state", "all"], event="ss")
    ctx.at(2.6)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=6, extra_captures=((CLI_NS, "veth-c"),))


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
