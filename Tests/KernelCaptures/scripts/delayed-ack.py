#!/usr/bin/env python3
"""delayed-ack: the server listens on 8888 (backlog 128) and calls accept() at 0 (blocking); the
client connects at 0. A "round at T": at T the client sends a request and immediately blocks in
recv; the server's blocking recv is issued at T and, the instant it returns, the server sends the
reply (unless a later reply time is given).
- round at 0.1: "GET" / "RESPONSE"
- round at 0.5: "GET2" / "RESPONSE2"
- round at 1.0: "GET3" / "RESPONSE3", but the server sends RESPONSE3 only at 1.2
- round at 1.5: "GET4" / "RESPONSE4"
- 1.6: the client sends 2896 bytes (2 full segments, a..z repeating) in ONE send(); the server
  issues a single recv(65536) at 1.6 (blocking) and records what it returned and when.
- 2.0: the client closes; the server reads in a loop until EOF from 2.0 (records the total),
  then closes at 2.1. Both roles end at 2.4.
Both sides record TCP_INFO (ato etc., times in microseconds) at points where it cannot delay a
reply.
Run as root: python3 delayed-ack.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "delayed-ack"
PORT = 8888
BULK = 2 * 1448
ALPHA = b"abcdefghijklmnopqrstuvwxyz"
PAYLOAD = (ALPHA * (BULK // len(ALPHA) + 1))[:BULK]


def info(ctx, s, label):
    try:
        ctx.ev("tcp_info", label=label, **tcp_info_dict(s))
    except OSError as e:
        ctx.ev("tcp_info", label=label, error=errname(e))


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(128)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if not c:
        ls.close()
        return
    c.settimeout(3)
    info(ctx, c, "after accept")
    ctx.at(0.1)
    ctx.recv(c)                              # GET ~0.12
    ctx.send(c, b"RESPONSE")                 # immediately
    info(ctx, c, "after RESPONSE")
    ctx.at(0.5)
    ctx.recv(c)                              # GET2 ~0.52
    ctx.send(c, b"RESPONSE2")                # immediately
    info(ctx, c, "after RESPONSE2")
    ctx.at(1.0)
    ctx.recv(c)                              # GET3 ~1.02
    info(ctx, c, "after GET3")
    ctx.at(1.2)
    ctx.send(c, b"RESPONSE3")                # late reply
    info(ctx, c, "after RESPONSE3")
    ctx.at(1.5)
    ctx.recv(c)                              # GET4 ~1.52
    ctx.send(c, b"RESPONSE4")                # immediately
    info(ctx, c, "after RESPONSE4")
    ctx.at(1.6)
    ctx.recv(c, 65536, event="recv-bulk")    # the single recv of the bulk data
    info(ctx, c, "after recv-bulk")
    ctx.at(2.0)
    total, n = 0, 0
    while True:
        d, e = ctx.recv(c, 65536, event="recv-drain")
        n += 1
        if not d:
            break
        total += len(d)
    ctx.ev("drain-total", bytes=total, calls=n, eof=(e is None))
    ctx.at(2.1)
    ctx.close(c)
    ls.close()
    ctx.at(2.4)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        info(ctx, s, "after connect")
        ctx.at(0.1)
        ctx.send(s, b"GET")
        ctx.recv(s)                          # RESPONSE ~0.14
        info(ctx, s, "after RESPONSE")
        ctx.at(0.5)
        ctx.send(s, b"GET2")
        ctx.recv(s)                          # RESPONSE2 ~0.54
        info(ctx, s, "after RESPONSE2")
        ctx.at(1.0)
        ctx.send(s, b"GET3")
        ctx.recv(s)                          # RESPONSE3 ~1.22
        info(ctx, s, "after RESPONSE3")
        ctx.at(1.5)
        ctx.send(s, b"GET4")
        ctx.recv(s)                          # RESPONSE4 ~1.54
        info(ctx, s, "after RESPONSE4")
        ctx.at(1.6)
        ctx.send(s, PAYLOAD)
        info(ctx, s, "after bulk send")
        ctx.at(1.9)
        info(ctx, s, "at 1.9")
        ctx.at(2.0)
        ctx.close(s)
    ctx.at(2.4)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=3.5, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
