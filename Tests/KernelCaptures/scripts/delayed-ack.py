#!/usr/bin/env python3
"""delayed-ack: the client connects at 0; at 0.1 it sends "GET" and the server replies
"RESPONSE" at once; at 0.5 the client sends "GET2" and the server reads it but replies
("RESPONSE2") only at 0.7; at 1.0 the client sends 2896 bytes (2 full segments) in one send and
the server reads them all. The client closes at 1.5, the server at 1.6. Both sides record
TCP_INFO (ato etc., times in microseconds) after each step.
Run as root: python3 delayed-ack.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "delayed-ack"
PORT = 8888
BULK = 2 * 1448


def info(ctx, s, label):
    try:
        ctx.ev("tcp_info", label=label, **tcp_info_dict(s))
    except OSError as e:
        ctx.ev("tcp_info", label=label, error=errname(e))


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(3)
        info(ctx, c, "after accept")
        ctx.recv(c)                          # GET ~0.12
        info(ctx, c, "after GET")
        ctx.send(c, b"RESPONSE")
        info(ctx, c, "after RESPONSE")
        ctx.recv(c)                          # GET2 ~0.52
        info(ctx, c, "after GET2")
        ctx.at(0.7)
        ctx.send(c, b"RESPONSE2")
        info(ctx, c, "after RESPONSE2")
        got = 0
        while got < BULK:
            d, e = ctx.recv(c)
            if not d:
                break
            got += len(d)
        info(ctx, c, "after bulk")
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
        ctx.send(s, b"x" * BULK)
        info(ctx, s, "after bulk send")
        ctx.at(1.3)
        info(ctx, s, "at 1.3")
        ctx.at(1.5)
        ctx.close(s)
    ctx.at(1.9)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=3.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
