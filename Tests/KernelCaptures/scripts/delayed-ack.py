#!/usr/bin/env python3
"""delayed-ack: the server listens on 8888 (backlog 128) and calls accept() at 0 (blocking); the
client connects at 0.
- 0.1: the client sends "GET" and blocks in recv; the server's recv is issued at 0.1 (blocking)
  and, as soon as it returns, the server sends "RESPONSE" (no sleep).
- 0.5: the client sends "GET2" and blocks in recv; the server's recv is issued at 0.5; the server
  sends "RESPONSE2" at exactly 0.7.
- 1.0: the client sends "GET3" and blocks in recv; the server's recv is issued at 1.0, then the
  server sends "RESPONSE3" at once.
- 1.1: the client sends 2896 bytes (2 full segments) in ONE send(); the server issues a single
  recv(65536) at 1.1 (blocking) and records what it returned and when.
- 1.5: the client closes; the server reads in a loop until EOF from 1.5 (records the total),
  then closes at 1.6.
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
    d, _ = ctx.recv(c)                       # GET ~0.12
    ctx.send(c, b"RESPONSE")                 # immediately
    info(ctx, c, "after RESPONSE")
    ctx.at(0.5)
    ctx.recv(c)                              # GET2 ~0.52
    info(ctx, c, "after GET2")
    ctx.at(0.7)
    ctx.send(c, b"RESPONSE2")
    info(ctx, c, "after RESPONSE2")
    ctx.at(1.0)
    ctx.recv(c)                              # GET3 ~1.02
    ctx.send(c, b"RESPONSE3")                # immediately
    info(ctx, c, "after RESPONSE3")
    ctx.at(1.1)
    ctx.recv(c, 65536, event="recv-bulk")    # the single recv of the bulk data
    info(ctx, c, "after recv-bulk")
    ctx.at(1.5)
    total, n = 0, 0
    while True:
        d, e = ctx.recv(c, 65536, event="recv-drain")
        n += 1
        if not d:
            break
        total += len(d)
    ctx.ev("drain-total", bytes=total, calls=n, eof=(e is None))
    ctx.at(1.6)
    ctx.close(c)
    ls.close()
    ctx.at(1.9)


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
        ctx.recv(s)                          # RESPONSE2 ~0.72
        info(ctx, s, "after RESPONSE2")
        ctx.at(1.0)
        ctx.send(s, b"GET3")
        ctx.recv(s)                          # RESPONSE3 ~1.04
        info(ctx, s, "after RESPONSE3")
        ctx.at(1.1)
        ctx.send(s, PAYLOAD)
        info(ctx, s, "after bulk send")
        ctx.at(1.4)
        info(ctx, s, "at 1.4")
        ctx.at(1.5)
        ctx.close(s)
    ctx.at(1.9)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=3.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
