#!/usr/bin/env python3
"""tcp-fixes checks: (a) read() in CLOSE-WAIT after the peer's RST with the FIN unread;
shutdown() on that CLOSED socket; shutdown() on a socket whose connection is in TIME-WAIT.
(b) connect() again on a socket whose connect() was refused: new port? result?"""
import os, sys, socket
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa

NAME = "tcpfix-checks"

def name_of(s):
    return lambda r=None: {"addr": "%s:%d" % s.getsockname()}

def server(ctx):
    ls = tcp_socket((SRV_IP, 7000)); ls.listen(8)
    ls2 = tcp_socket((SRV_IP, 7001)); ls2.listen(8)
    c = ctx.accept(ls)
    ctx.at(0.4)
    ctx.send(c, b"response")          # reaches an orphan: RST
    ctx.at(0.6)
    ctx.recv(c, event="recv1")        # FIN unread, RST arrived
    ctx.recv(c, event="recv2")
    ctx.op("shutdown_closed", c.shutdown, socket.SHUT_WR)
    ctx.send(c, b"more", event="send2")
    ctx.recv(c, event="recv3")
    ctx.close(c)
    # TIME-WAIT case: the client half-closes, we read EOF and close.
    d = ctx.accept(ls2)
    ctx.recv(d, event="d_recv")       # EOF
    ctx.close(d, event="d_close")
    ctx.at(2.5)
    # (b) a listener on 7002 appears at 2.5
    ls3 = tcp_socket((SRV_IP, 7002)); ls3.listen(8)
    e = ctx.accept(ls3)
    ctx.at(3.5)
    ls.close(); ls2.close(); ls3.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    ctx.connect(s, (SRV_IP, 7000))
    ctx.at(0.2)
    ctx.close(s)
    t = tcp_socket((CLI_IP, 41001))
    ctx.at(1.0)
    ctx.connect(t, (SRV_IP, 7001))
    ctx.at(1.2)
    ctx.shutdown(t, socket.SHUT_WR)
    ctx.recv(t, event="t_recv")       # EOF once the server closes
    ctx.at(1.6)
    ctx.op("t_getsockname", t.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.op("shutdown_timewait", t.shutdown, socket.SHUT_RDWR)
    ctx.op("t_shutdown_rd", t.shutdown, socket.SHUT_RD)
    # (b) refused, then again once the listener is there
    u = socket.socket(socket.AF_INET, socket.SOCK_STREAM); u.settimeout(5)
    ctx.at(2.0)
    ctx.op("connect_refused", u.connect, (SRV_IP, 7002))
    ctx.op("u_name1", u.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.op("connect_refused2", u.connect, (SRV_IP, 7002))
    ctx.op("u_name2", u.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.at(3.0)
    ctx.op("connect_again", u.connect, (SRV_IP, 7002))
    ctx.op("u_name3", u.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.op("connect_third", u.connect, (SRV_IP, 7002))
    # bound explicitly: is the port kept?
    v = tcp_socket((CLI_IP, 42000))
    ctx.op("v_refused", v.connect, (SRV_IP, 7003))
    ctx.op("v_name", v.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.op("v_connect_again", v.connect, (SRV_IP, 7002))
    ctx.op("v_name2", v.getsockname, describe=lambda r: {"addr": "%s:%d" % r})
    ctx.at(3.8)

def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS)],
             description=__doc__, role_timeout=6)

if __name__ == "__main__":
    entry({"client": client, "server": server}, orchestrate)
