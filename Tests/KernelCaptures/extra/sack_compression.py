#!/usr/bin/env python3
"""SACK / compressed-ACK probe: the client connects and sends NBYTES in one send();
the server reads everything.  The relay drops ONE client data segment (the
DROP_SKIP+1-th data segment, c2s) once.  We record the server's ACKs.
Variant chosen by env SC_VARIANT (see VARIANTS below).  Run as root."""
import os
import sys
import time
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

PORT = 7100

VARIANTS = {
    # name: (nbytes, drop_skip, delay_ms, sysctls, extra)
    "early":      dict(nbytes=60000, drop_skip=2),
    "steady":     dict(nbytes=1500000, drop_skip=300),
    "steady_nr4": dict(nbytes=1500000, drop_skip=300,
                       sysctls={SRV_NS: {"net.ipv4.tcp_comp_sack_nr": 4}}),
    "steady_nosack": dict(nbytes=1500000, drop_skip=300,
                          sysctls={CLI_NS: {"net.ipv4.tcp_sack": 0}}),
    "early_nosack": dict(nbytes=60000, drop_skip=2,
                         sysctls={CLI_NS: {"net.ipv4.tcp_sack": 0}}),
    "lock":       dict(nbytes=1500000, drop_skip=300, rcvbuf=262144),
    "lock_nr4":   dict(nbytes=1500000, drop_skip=300, rcvbuf=262144,
                       sysctls={SRV_NS: {"net.ipv4.tcp_comp_sack_nr": 4}}),
    "lock_nosack": dict(nbytes=1500000, drop_skip=300, rcvbuf=262144,
                        sysctls={CLI_NS: {"net.ipv4.tcp_sack": 0}}),
    "lock_long":  dict(nbytes=1500000, drop_skip=300, rcvbuf=262144, delay_ms=100,
                       sysctls={SRV_NS: {"net.ipv4.tcp_comp_sack_delay_ns": 100000000}}),
    "lock_qa0":   dict(nbytes=1500000, drop_skip=300, rcvbuf=262144, quickack0=True),
    "lock_2holes": dict(nbytes=1500000, drop_skip=[300, 339], rcvbuf=262144),
    "big_long":   dict(nbytes=8000000, drop_skip=2000, rcvbuf=2000000, delay_ms=100,
                       sysctls={SRV_NS: {"net.ipv4.tcp_comp_sack_delay_ns": 100000000}}),
    "steady_long": dict(nbytes=1500000, drop_skip=300, delay_ms=100,
                        sysctls={SRV_NS: {"net.ipv4.tcp_comp_sack_delay_ns": 100000000}}),
}
VNAME = os.environ.get("SC_VARIANT", "early")
V = VARIANTS[VNAME]


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    if ctx.params.get("rcvbuf"):
        opt = getattr(socket, "SO_RCVBUFFORCE", 33) if ctx.params["rcvbuf"] > 212992 else socket.SO_RCVBUF
        ls.setsockopt(socket.SOL_SOCKET, opt, ctx.params["rcvbuf"])
    ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(8)
        total = 0
        while total < ctx.params["nbytes"]:
            try:
                d = c.recv(262144)
            except OSError as e:
                ctx.ev("recv_error", error=errname(e))
                break
            if not d:
                break
            total += len(d)
            if ctx.params.get("quickack0"):
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
        ctx.ev("read_all", bytes=total, tcp_info=tcp_info_dict(c))
        ctx.recv(c)   # EOF
        ctx.close(c)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.1)
        s.sendall(b"x" * ctx.params["nbytes"])
        ctx.ev("sent_all", info=tcp_info_dict(s))
        ctx.at(ctx.params.get("close_at", 4.0))
        ctx.close(s)
    ctx.at(ctx.params.get("close_at", 4.0) + 0.5)


def orchestrate():
    skips = V["drop_skip"] if isinstance(V["drop_skip"], list) else [V["drop_skip"]]
    # rule i only sees frames not taken by rules 0..i-1, so subtract i
    rules = [{"dir": "c2s", "match": {"min_len": 1, "dport": PORT},
              "skip": sk - i, "count": 1, "action": "drop"} for i, sk in enumerate(skips)]
    run_case("sackcomp_" + VNAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=7, delay_ms=V.get("delay_ms", 20),
             sysctls=V.get("sysctls"), relay_rules=rules,
             extra_sysctls=["net.ipv4.tcp_comp_sack_nr", "net.ipv4.tcp_comp_sack_delay_ns",
                            "net.ipv4.tcp_comp_sack_slack_ns"],
             params={"nbytes": V["nbytes"], "variant": VNAME, "rcvbuf": V.get("rcvbuf", 0), "quickack0": V.get("quickack0", False),
                     "close_at": 4.0 if V.get("delay_ms", 20) < 50 else 5.5})


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
