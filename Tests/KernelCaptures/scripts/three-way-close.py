#!/usr/bin/env python3
"""three-way-close: the client connects at 0, sends nothing and closes at 1.0; the server
accepts at 0 and issues a blocking read at 0.5. Case three-way-close: the server close()s as
soon as the read returns EOF. Case three-way-close-slow: it sleeps 0.2 s first.
Run as root: python3 three-way-close.py"""
import sys
import time
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(3)
        ctx.at(0.5)
        ctx.recv(c)                  # EOF ~1.02
        if ctx.params["sleep"]:
            time.sleep(ctx.params["sleep"])
        ctx.close(c)
    ls.close()
    ctx.at(1.5)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    ctx.connect(s, (SRV_IP, PORT))
    ctx.at(1.0)
    ctx.close(s)
    ctx.at(1.5)


def orchestrate():
    for name, sleep in (("three-way-close", 0), ("three-way-close-slow", 0.2)):
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=2.5, params={"sleep": sleep},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
