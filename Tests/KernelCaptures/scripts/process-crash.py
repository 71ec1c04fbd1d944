#!/usr/bin/env python3
"""process-crash: the client connects at 0; the server accepts at 0 and issues a blocking recv
loop at 0.1 until EOF, closing the moment it reads EOF. At 1.0 the client role process kills
itself with SIGKILL while holding the connected socket, so the kernel closes the socket (FIN),
not the script. The server reads EOF ~1.02 and closes; the client's orphaned socket ends in
TIME_WAIT. At 1.4 the server records `ss -tano` of the client namespace (TIME_WAIT timer).
Capture until 1.5.
Run as root: python3 process-crash.py"""
import os
import signal
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "process-crash"
PORT = 8888


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(0.1)
        while True:
            d, e = ctx.recv(c)               # EOF ~1.02
            if e is not None or not d:
                break
        ctx.close(c)
    ls.close()
    ctx.at(1.4)
    ctx.sh(["ip", "netns", "exec", CLI_NS, "ss", "-tano"], event="ss-cli")
    ctx.sh(["ss", "-tano"], event="ss-srv")
    ctx.at(1.5)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(1.0)
        ctx.ev("sigkill-self", pid=os.getpid())
        os.kill(os.getpid(), signal.SIGKILL)  # the kernel closes the socket
    ctx.at(1.5)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=2.5, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
