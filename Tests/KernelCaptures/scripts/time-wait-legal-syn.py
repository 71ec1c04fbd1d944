#!/usr/bin/env python3
"""time-wait-legal-syn: the SERVER closes first and keeps TIME-WAIT, then a new SYN on the same
4-tuple reopens the connection. The client socket (SO_REUSEADDR, bound to 10.200.0.1:40000)
connects at 0 and runs a blocking recv loop until EOF, then close()s at once. The server accepts
at 0; at 0.5 it sends "bye" and close()s. At 1.0 the server calls accept() again (blocking). At
2.0 the client makes a NEW socket (SO_REUSEADDR), binds 10.200.0.1:40000 and connects again; at
2.5 it sends "hello again" and at 2.8 it closes. The server recv()s on the second accepted
socket until EOF, then closes. Capture until 3.0.
Run as root: python3 time-wait-legal-syn.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "time-wait-legal-syn"
PORT = 8888
CPORT = 40000


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
    ctx.at(1.0)
    c2 = ctx.accept(ls)                      # blocking (3 s timeout); returns ~2.06
    ls.close()
    if c2:
        c2.settimeout(None)                  # blocking (role bounded by its alarm)
        while True:
            d, e = ctx.recv(c2)              # "hello again" ~2.52, EOF ~2.82
            if e is not None or not d:
                break
        ctx.close(c2)
    ctx.at(3.0)


def client(ctx):
    s = tcp_socket((CLI_IP, CPORT))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        s.settimeout(None)
        while True:
            d, e = ctx.recv(s)               # "bye" ~0.52, then EOF
            if e is not None or not d:
                break
        ctx.close(s)
    ctx.at(2.0)
    s2 = tcp_socket((CLI_IP, CPORT))
    if ctx.connect(s2, (SRV_IP, PORT)):
        ctx.at(2.5)
        ctx.send(s2, b"hello again")
        ctx.at(2.8)
        ctx.close(s2)
    ctx.at(3.0)


def analyze(case):
    segs = case["segments"]
    t0 = case["topology"]["scenario_t0"]
    fin1 = [s for s in segs if s["conn"] == 1 and s["src"] == "server" and "FIN" in s["flags"]]
    synack2 = [s for s in segs if s["conn"] == 2 and s["flags"] == "SYN|ACK"]
    syn2 = [s for s in segs if s["conn"] == 2 and s["flags"] == "SYN"]
    last_ack1 = [s for s in segs if s["conn"] == 1 and s["src"] == "server" and s["ack"] is not None]
    obs = {}
    if fin1:
        obs["old_server_snd_nxt_abs"] = (fin1[-1]["seq_abs"] + fin1[-1]["len"] + 1) % (1 << 32)
    if last_ack1:
        obs["old_server_rcv_nxt_abs"] = last_ack1[-1]["ack_abs"]
    if syn2:
        obs["new_syn_seq_abs"] = syn2[0]["seq_abs"]
    if synack2:
        obs["new_synack_seq_abs"] = synack2[0]["seq_abs"]
    if fin1 and synack2:
        obs["new_isn_minus_old_snd_nxt"] = (synack2[0]["seq_abs"] - obs["old_server_snd_nxt_abs"]) % (1 << 32)
    if syn2 and last_ack1:
        obs["new_syn_seq_minus_old_rcv_nxt"] = (syn2[0]["seq_abs"] - last_ack1[-1]["ack_abs"]) % (1 << 32)
    obs["srv_timeline_port_%d" % CPORT] = ss_timeline(case, SRV_NS, CPORT)
    obs["cli_timeline_port_%d" % CPORT] = ss_timeline(case, CLI_NS, CPORT)
    obs["scenario_t0"] = t0
    return obs


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=4.0, extra_captures=[(CLI_NS, "veth-c")],
             analyze=analyze)


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
