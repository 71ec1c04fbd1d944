#!/usr/bin/env python3
"""crash-reconnect-same-port: the client socket (SO_REUSEADDR, bound to 10.200.0.1:40000)
connects at 0; the server accepts at 0, then from 0.1 blocks in recv() on that socket (thread)
and in a second accept(). Emulated client power cut and reboot as in host-reboot-rst: at 1.0 the
client namespace gets `iptables -A INPUT/OUTPUT -p tcp -j DROP`; at 1.5 `ss -K` destroys the
client socket (its RST is dropped by the OUTPUT rule); the dead fd is closed at 1.6 (sends
nothing); the rules are removed at 5.0. At 6.0 the "rebooted" client makes a new socket
(SO_REUSEADDR), binds 10.200.0.1:40000 and connects; at 6.5 it sends "hello again" and at 6.8 it
closes. The server recv()s on the new accepted socket until EOF, then closes. Expected: SYN ->
challenge ACK from the old ESTABLISHED socket -> client RST (seq = that ack) -> the old recv
fails with ECONNRESET -> the client's SYN is retransmitted after a few ms -> new connection.
Capture until 7.0.
Run as root: python3 crash-reconnect-same-port.py"""
import sys
import threading
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "crash-reconnect-same-port"
PORT = 8888
CPORT = 40000
DROP = ["-p", "tcp", "-j", "DROP"]


def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    th = None
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)

        def old_recv():
            ctx.at(0.1)
            ctx.recv(c, event="recv-old")    # ECONNRESET ~6.06
            ctx.ev("tcp_info-old", **tcp_info_dict(c))
        th = threading.Thread(target=old_recv, daemon=True)
        th.start()
    ctx.at(0.1)
    ls.settimeout(7.5)
    c2 = ctx.accept(ls)                      # the reconnect, ~6.1
    ls.close()
    if c2:
        c2.settimeout(None)
        while True:
            d, e = ctx.recv(c2)              # "hello again" ~6.52, then EOF ~6.82
            if e is not None or not d:
                break
        ctx.close(c2)
    if th:
        th.join(timeout=0.5)
    if c:
        ctx.close(c, event="close-old")
    ctx.at(7.0)


def client(ctx):
    s = tcp_socket((CLI_IP, CPORT))
    ctx.at(0.0)
    ok = ctx.connect(s, (SRV_IP, PORT))
    ctx.at(1.0)
    ctx.sh(["iptables", "-A", "INPUT"] + DROP, event="iptables-add-input")
    ctx.sh(["iptables", "-A", "OUTPUT"] + DROP, event="iptables-add-output")
    ctx.at(1.5)
    ctx.sh(["ss", "-K", "-tn", "dst", SRV_IP, "dport", "=", ":%d" % PORT], event="ss-K")
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(1.6)
    ctx.close(s)                             # fd of a destroyed socket: nothing sent
    ctx.at(5.0)
    ctx.sh(["iptables", "-L", "-v", "-n", "-x"], event="iptables-counters")
    ctx.sh(["iptables", "-D", "INPUT"] + DROP, event="iptables-del-input")
    ctx.sh(["iptables", "-D", "OUTPUT"] + DROP, event="iptables-del-output")
    ctx.sh(["ss", "-tan"], event="ss")
    ctx.at(6.0)
    s2 = tcp_socket((CLI_IP, CPORT))
    if ctx.connect(s2, (SRV_IP, PORT)):
        ctx.ev("tcp_info-new", **tcp_info_dict(s2))
        ctx.at(6.5)
        ctx.send(s2, b"hello again")
        ctx.at(6.8)
        ctx.close(s2)
    ctx.at(7.0)


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=8.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
