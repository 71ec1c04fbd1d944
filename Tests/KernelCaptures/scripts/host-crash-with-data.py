#!/usr/bin/env python3
"""host-crash-with-data: server sysctl net.ipv4.tcp_retries2=5. The client connects at 0; the
server accepts at 0. A relay rule drops every frame in both directions from 1.0 to the end (the
client host is dead). At 2.0 the server sends "hello? are you there?" and issues a blocking recv
(ETIMEDOUT expected after the retransmissions give up). The server stops 1 s after the recv
fails. The client holds its socket idle; when the server is done (marker file) it adds an
iptables OUTPUT drop in its own namespace and closes, so its teardown puts nothing on the wire.
Run as root: python3 host-crash-with-data.py"""
import os
import sys
import time
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "host-crash-with-data"
PORT = 8888
MARKER = os.path.join(CASES_DIR, NAME + ".done")


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    ls.close()
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(2.0)
        ctx.send(c, b"hello? are you there?")
        ctx.recv(c)                          # ETIMEDOUT
        t_fail = ctx.now()
        with open(ctx.params["marker"], "w") as f:
            f.write(repr(t_fail))
        ctx.ev("tcp_info", **tcp_info_dict(c))
        ctx.close(c)
        ctx.at(t_fail + 1.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        t_end = 26.0
        while ctx.now() < t_end:             # bounded wait for the server's recv failure
            if os.path.exists(ctx.params["marker"]):
                with open(ctx.params["marker"]) as f:
                    t_end = float(f.read()) + 1.0
                break
            time.sleep(0.05)
        ctx.at(t_end)
        ctx.ev("tcp_info", **tcp_info_dict(s))
        ctx.sh(["iptables", "-A", "OUTPUT", "-p", "tcp", "-j", "DROP"], event="teardown-iptables")
        ctx.close(s)


def orchestrate():
    if os.path.exists(MARKER):
        os.remove(MARKER)
    os.makedirs(CASES_DIR, exist_ok=True)
    try:
        run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=28.0, extra_captures=[(CLI_NS, "veth-c")],
                 sysctls={SRV_NS: {"net.ipv4.tcp_retries2": 5}}, params={"marker": MARKER},
                 relay_rules=[{"dir": "both", "from": 1.0, "action": "drop"}])
    finally:
        if os.path.exists(MARKER):
            os.remove(MARKER)


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
