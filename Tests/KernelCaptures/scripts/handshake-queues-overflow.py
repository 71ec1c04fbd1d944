#!/usr/bin/env python3
"""handshake-queues-overflow: the server listens on 8888 with backlog 1 and calls accept() only
at 2.0, then 3 more times; each accept() blocks with a 0.4 s timeout so the role ends. Four
client sockets (ports 41001..41004) issue a blocking connect() (each in its own thread, timeout
3.9 s) at 0.000, 0.001, 0.002 and 0.003; each connect's return time/result is recorded, and the
kernel state of each client socket (TCP_INFO) at 1.9 and 3.95; the server records its
namespace's non-zero TcpExt/Tcp counters (/proc/net/netstat, /proc/net/snmp) at 1.9 and 3.95. Everything is closed at 4.0 (the
server closes its accepted sockets and the listener, the client its four sockets).
Case handshake-queues-overflow: default sysctls (tcp_syncookies=1, tcp_abort_on_overflow=0).
Case handshake-queues-overflow-abort: server net.ipv4.tcp_abort_on_overflow=1.
Run as root: python3 handshake-queues-overflow.py"""
import os
import sys
import threading
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_counters import counters  # noqa: E402

PORT = 8888
N = 4
CPORT0 = 41001
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING"}




def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(1)
    ls.settimeout(0.4)
    accepted = []
    ctx.at(1.9)
    counters(ctx, "at 1.9")
    ctx.at(2.0)
    for _ in range(4):
        c = ctx.accept(ls)
        if c:
            accepted.append(c)
    ctx.at(3.95)
    counters(ctx, "at 3.95")
    ctx.at(4.0)
    for c in accepted:
        ctx.close(c, event="close-accepted")
    ctx.close(ls, event="close-listener")
    ctx.at(4.5)


def client(ctx):
    socks = [tcp_socket((CLI_IP, CPORT0 + i), timeout=3.9) for i in range(N)]

    def conn(i):
        ctx.at(0.001 * i)
        ctx.op("connect-c%d" % (i + 1), socks[i].connect, (SRV_IP, PORT),
               describe=lambda r: {"port": CPORT0 + i})

    threads = [threading.Thread(target=conn, args=(i,)) for i in range(N)]
    for th in threads:
        th.start()

    def states(label):
        for i, s in enumerate(socks):
            try:
                d = tcp_info_dict(s)
                ctx.ev("tcp_info-c%d" % (i + 1), label=label, port=CPORT0 + i,
                       state_name=TCP_STATES.get(d["state"], str(d["state"])), **d)
            except OSError as e:
                ctx.ev("tcp_info-c%d" % (i + 1), label=label, error=errname(e))

    ctx.at(1.9)
    states("at 1.9")
    ctx.at(3.95)
    states("at 3.95")
    for th in threads:
        th.join(timeout=0.1)
    ctx.at(4.0)
    for i, s in enumerate(socks):
        ctx.close(s, event="close-c%d" % (i + 1))
    ctx.at(4.5)


def orchestrate():
    for name, abort in (("handshake-queues-overflow", 0),
                        ("handshake-queues-overflow-abort", 1)):
        sysctls = {SRV_NS: {"net.ipv4.tcp_abort_on_overflow": 1}} if abort else None
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=5.0, sysctls=sysctls,
                 params={"abort_on_overflow": abort},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
