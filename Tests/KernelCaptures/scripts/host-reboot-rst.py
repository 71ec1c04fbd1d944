#!/usr/bin/env python3
"""host-reboot-rst: emulated client power cut and reboot. The client connects at 0; the server
accepts at 0. At 1.0 the client namespace gets iptables rules dropping ALL tcp input and output
(power cut). At 1.5 `ss -K` in the client namespace destroys the client's socket (its RST is
dropped by the OUTPUT rule), so the client stack holds nothing; the script then closes the dead
fd at 1.6 (sends nothing). At 10.0 the rules are removed (the "booted" host has an empty stack).
At 20.0 the server sends "still there?" and immediately issues a blocking recv (ECONNRESET
expected ~20.04). Capture until 21.
Run as root: python3 host-reboot-rst.py"""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "host-reboot-rst"
PORT = 8888
DROP_IN = ["-p", "tcp", "-j", "DROP"]


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    ls.close()
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(20.0)
        ctx.send(c, b"still there?")
        ctx.recv(c)                          # ECONNRESET ~20.04
        ctx.ev("tcp_info", **tcp_info_dict(c))
        ctx.at(20.9)
        ctx.close(c)
    ctx.at(21.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(1.0)
        ctx.sh(["iptables", "-A", "INPUT"] + DROP_IN, event="iptables-add-input")
        ctx.sh(["iptables", "-A", "OUTPUT"] + DROP_IN, event="iptables-add-output")
        ctx.at(1.5)
        ctx.sh(["ss", "-K", "-tn", "dst", SRV_IP, "dport", "=", ":%d" % PORT], event="ss-K")
        ctx.sh(["ss", "-tan"], event="ss")
        ctx.at(1.6)
        ctx.close(s)                         # fd of a destroyed socket: nothing sent
        ctx.sh(["iptables", "-L", "-v", "-n", "-x"], event="iptables-counters")
        ctx.at(10.0)
        ctx.sh(["iptables", "-L", "-v", "-n", "-x"], event="iptables-counters")
        ctx.sh(["iptables", "-D", "INPUT"] + DROP_IN, event="iptables-del-input")
        ctx.sh(["iptables", "-D", "OUTPUT"] + DROP_IN, event="iptables-del-output")
        ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(10.1)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=22.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
