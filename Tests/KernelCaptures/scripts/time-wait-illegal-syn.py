#!/usr/bin/env python3
"""time-wait-illegal-syn: client sysctl net.ipv4.tcp_timestamps=0, so the connection has no
timestamps. First connection as in time-wait-legal-syn: the client socket (SO_REUSEADDR, bound
to 10.200.0.1:40000) connects at 0 and runs a blocking recv loop until EOF, then close()s at
once; the server accepts at 0, sends "bye" at 0.5 and close()s, so the SERVER holds TIME-WAIT.
The server keeps its listener open (no second accept). A Sniffer on the client's veth-c reads the
server's last ACK of the first connection; its ack field is the TIME-WAIT's rcv_nxt. At 2.0 the
client role FORGES with raw_send (from the client namespace) a SYN 10.200.0.1:40000 ->
10.200.0.2:8888 with seq = rcv_nxt - 100000 and no options (the client kernel has no socket on
port 40000 any more). Expected: the TIME-WAIT answers with its last ACK (seq = snd_nxt,
ack = rcv_nxt); the client kernel answers that ACK with RST seq = that ack; the RST kills the
TIME-WAIT (tcp_rfc1337=0). Both roles record `ss -tan` at 1.9 and 2.2 and their non-zero
TcpExt/Tcp counters at 2.9. Capture until 3.0.
Run as root: python3 time-wait-illegal-syn.py"""
import os
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_counters import counters  # noqa: E402

NAME = "time-wait-illegal-syn"
PORT = 8888
CPORT = 40000
SEQ_BELOW = 100000




def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        ctx.at(0.5)
        ctx.send(c, b"bye")
        ctx.close(c)
    ctx.at(1.9)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(2.2)
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(2.9)
    counters(ctx, "at 2.9")
    ls.close()
    ctx.at(3.0)


def pk_desc(p):
    return {"src": "%s:%d" % (p["src"], p["sport"]), "dst": "%s:%d" % (p["dst"], p["dport"]),
            "flags": flag_str(p["flags"]), "seq": p["seq"], "ack": p["ack"], "len": p["len"]}


def client(ctx):
    sn = Sniffer("veth-c")                   # opened before the first SYN
    s = tcp_socket((CLI_IP, CPORT))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        s.settimeout(None)
        while True:
            d, e = ctx.recv(s)               # "bye" ~0.52, then EOF
            if e is not None or not d:
                break
        ctx.close(s)
    ctx.at(1.9)
    last = None
    for p in sn.packets(time.time() + 0.05):  # drain what the sniffer queued since 0
        if p["src"] == SRV_IP and p["sport"] == PORT and p["dport"] == CPORT and p["flags"] & 0x10:
            last = p
    ctx.sh(["ss", "-tan"], event="ss")
    if last is None:
        ctx.ev("no-server-ack-seen")
        sn.close()
        return
    rcv_nxt, snd_nxt = last["ack"], last["seq"]
    ctx.ev("server-last-ack", seq=snd_nxt, ack=rcv_nxt)
    seq = (rcv_nxt - SEQ_BELOW) % (1 << 32)
    pkt = build_tcp_ip(CLI_IP, CPORT, SRV_IP, PORT, seq, 0, 0x02)
    ctx.at(2.0)
    ctx.op("raw_send-SYN", raw_send, pkt, SRV_IP, describe=lambda r: {"seq": seq})
    for p in sn.packets(time.time() + 0.2):
        if CPORT in (p["sport"], p["dport"]):
            ctx.ev("sniffed", **pk_desc(p))
    ctx.at(2.2)
    ctx.sh(["ss", "-tan"], event="ss")
    sn.close()
    ctx.at(2.9)
    counters(ctx, "at 2.9")
    ctx.at(3.0)


def analyze(case):
    segs = case["segments"]
    obs = {}
    acks = [s for s in segs if s["src"] == "server" and s["ack"] is not None and s["t"] < 1.5]
    if acks:
        obs["tw_snd_nxt_abs"] = acks[-1]["seq_abs"]
        obs["tw_rcv_nxt_abs"] = acks[-1]["ack_abs"]
    late = [s for s in segs if s["t"] > 1.5]
    obs["after_1.5"] = [{"t": round(s["t"] - case["topology"]["scenario_t0"], 4), "src": s["src"],
                         "flags": s["flags"], "seq_abs": s["seq_abs"], "ack_abs": s["ack_abs"],
                         "len": s["len"], "win": s["win"], "opts": s["opts"]} for s in late]
    obs["srv_timeline_port_%d" % CPORT] = ss_timeline(case, SRV_NS, CPORT)
    return obs


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=4.0, extra_captures=[(CLI_NS, "veth-c")],
             sysctls={CLI_NS: {"net.ipv4.tcp_timestamps": 0}}, analyze=analyze)


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
