#!/usr/bin/env python3
"""When does the RTO fire after a tail loss probe? The client writes 10 full segments at 0.5 s; the
relay drops the last two and the probe that retransmits the last one. tcp_send_loss_probe() clears
icsk_pending after sending the probe "s.t. tcp_rearm_rto will restart timer from now": the RTO is
one full RTO after the probe, not measured from the head segment's transmission."""
from capture import *  # noqa
NAME = "rto-after-tlp"
PORT = 7300

def server(ctx):
    ls = tcp_socket((SRV_IP, PORT)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(5)
        ctx.ev("read_total", bytes=read_all(c, 14480))
        ctx.at(3.0)
        c.close()

def client(ctx):
    s = tcp_socket((CLI_IP, 41300))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        ctx.at(0.5); ctx.send(s, b"x" * 14480)
        ctx.at(3.0); s.close()

if __name__ == "__main__":
    run(NAME, __file__, __doc__, client, server, role_timeout=8, relay_rules=[drop_data(PORT, 8, 3)])
