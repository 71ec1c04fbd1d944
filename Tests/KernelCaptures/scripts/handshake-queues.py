#!/usr/bin/env python3
"""handshake-queues: the server listens on 8888 (backlog 8) before t=0. Case handshake-queues:
accept() is called only at 0.5 (the connection waits in the accept queue). Case
handshake-queues-accept-first: accept() is called at 0.0 and blocks. The client connects at 0.0,
closes at 1.0; the server closes the accepted socket at 1.2.
Run as root: python3 handshake-queues.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(ctx.params["accept_at"])
    c = ctx.accept(ls)
    ctx.at(1.2)
    if c:
        ctx.close(c)
    ctx.at(1.3)
    ls.close()


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    ctx.connect(s, (SRV_IP, PORT))
    ctx.at(1.0)
    ctx.close(s)
    ctx.at(1.5)


def orchestrate():
    for name, at in (("handshake-queues", 0.5), ("handshake-queues-accept-first", 0.0)):
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=2.5, params={"accept_at": at},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
