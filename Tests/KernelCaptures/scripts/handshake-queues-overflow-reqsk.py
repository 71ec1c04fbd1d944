#!/usr/bin/env python3
"""handshake-queues-overflow-reqsk: the server listens on 8888 with backlog 1 and calls accept()
three times starting at 2.0 (each blocking, with a timeout that ends by 4.9 so the role ends).
Three client sockets (ports 41001..41003, timeout 4.6 s) issue a blocking connect() at 0.000,
0.050 and 0.100, each in its own thread so it is issued at that time; each connect's return
time/result is recorded. Every client socket also issues a blocking recv() at 0.3 in its own
thread (result and time recorded; TIMEOUT means the 4.6 s socket timeout expired, at 4.9 at the
latest). The client records TCP_INFO of each socket at 0.25, 1.9 and 4.95; the server records
its namespace's non-zero TcpExt/Tcp counters (/proc/net/netstat, /proc/net/snmp) at 0.25, 1.9
and 4.95. The client closes all three sockets at 5.0, the server its accepted sockets at 5.2 and
the listener at 5.5; both roles end at 6.0.
Case handshake-queues-overflow-reqsk: default sysctls (tcp_syncookies=1,
tcp_abort_on_overflow=0).
Case handshake-queues-overflow-reqsk-abort: server net.ipv4.tcp_abort_on_overflow=1.
Run as root: python3 handshake-queues-overflow-reqsk.py"""
import os
import sys
import threading
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_counters import counters  # noqa: E402

PORT = 8888
N = 3
CPORT0 = 41001
CONNECT_AT = (0.000, 0.050, 0.100)
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING"}




def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(1)
    accepted = []
    ctx.at(0.25)
    counters(ctx, "at 0.25")
    ctx.at(1.9)
    counters(ctx, "at 1.9")
    ctx.at(2.0)
    for _ in range(3):
        ls.settimeout(max(0.05, min(2.8, 4.9 - ctx.now())))
        c = ctx.accept(ls)
        if c:
            accepted.append(c)
    ctx.at(4.95)
    counters(ctx, "at 4.95")
    ctx.at(5.2)
    for c in accepted:
        ctx.close(c, event="close-accepted")
    ctx.at(5.5)
    ctx.close(ls, event="close-listener")
    ctx.at(6.0)


def client(ctx):
    socks = [tcp_socket((CLI_IP, CPORT0 + i), timeout=4.6) for i in range(N)]

    def conn(i):
        ctx.at(CONNECT_AT[i])
        ctx.op("connect-c%d" % (i + 1), socks[i].connect, (SRV_IP, PORT),
               describe=lambda r: {"port": CPORT0 + i})

    def rcv(i):
        ctx.at(0.3)
        ctx.recv(socks[i], event="recv-c%d" % (i + 1))

    cthreads = [threading.Thread(target=conn, args=(i,)) for i in range(N)]
    rthreads = [threading.Thread(target=rcv, args=(i,)) for i in range(N)]
    for th in cthreads + rthreads:
        th.start()

    def states(label):
        for i, s in enumerate(socks):
            try:
                d = tcp_info_dict(s)
                ctx.ev("tcp_info-c%d" % (i + 1), label=label, port=CPORT0 + i,
                       state_name=TCP_STATES.get(d["state"], str(d["state"])), **d)
            except OSError as e:
                ctx.ev("tcp_info-c%d" % (i + 1), label=label, error=errname(e))

    ctx.at(0.25)
    states("at 0.25")
    ctx.at(1.9)
    states("at 1.9")
    ctx.at(4.95)
    states("at 4.95")
    for th in cthreads + rthreads:
        th.join(timeout=0.01)
    ctx.at(5.0)
    for i, s in enumerate(socks):
        ctx.close(s, event="close-c%d" % (i + 1))
    ctx.at(6.0)


def orchestrate():
    for name, abort in (("handshake-queues-overflow-reqsk", 0),
                        ("handshake-queues-overflow-reqsk-abort", 1)):
        sysctls = {SRV_NS: {"net.ipv4.tcp_abort_on_overflow": 1}} if abort else None
        run_case(name, __file__, [("server", SRV_NS), ("client", CLI_NS)],
                 description=__doc__, role_timeout=7.0, sysctls=sysctls,
                 params={"abort_on_overflow": abort},
                 extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
