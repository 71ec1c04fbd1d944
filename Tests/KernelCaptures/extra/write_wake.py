#!/usr/bin/env python3
"""When does a writer waiting on a full send buffer become writeable again? The client writes
with a non-blocking socket and poll(POLLOUT) (tcp_poll() tests __sk_stream_is_writeable(), the
test sk_stream_write_space() uses to wake a blocked writer), recording the unsent-plus-unacked
bytes (SIOCOUTQ = write_seq - snd_una) when POLLOUT comes and after refilling."""
import socket, select, fcntl, termios, struct
from capture import *  # noqa
NAME = "write-wake"

def outq(s):
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]

def server(ctx):
    ls = tcp_socket((SRV_IP, 7010)); ls.listen(8)
    c = ctx.accept(ls)
    if c:
        c.settimeout(5)
        ctx.ev("read_total", bytes=read_all(c))
        c.close()

def client(ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 30000)
    ctx.at(0.0)
    if not ctx.connect(s, (SRV_IP, 7010)): return
    s.setblocking(False)
    chunk = b"x" * 65536
    wakes = []
    sent = 0
    p = select.poll(); p.register(s, select.POLLOUT)
    while sent < 2_000_000 and len(wakes) < 200:
        if not p.poll(3000): break
        before = outq(s)
        n = 0
        while True:
            try:
                k = s.send(chunk); n += k; sent += k
            except BlockingIOError:
                break
        wakes.append({"t": round(ctx.now(), 6), "outq_at_pollout": before, "copied": n, "outq_full": outq(s)})
    ctx.ev("wakes", wakes=wakes, sndbuf=s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
    s.setblocking(True)
    s.shutdown(socket.SHUT_WR)
    ctx.at(4.0)
    s.close()

def analyze(case):
    ev = next(a for a in case["app"] if a.get("event") == "wakes")
    w = ev["wakes"][1:]   # (the first is the empty buffer after connect)
    at = [x["outq_at_pollout"] for x in w]
    return {"wakes": len(w), "sndbuf": ev["sndbuf"],
            "writeable_at_most": (ev["sndbuf"] * 2) // 3,
            "outq_at_pollout_max": max(at), "outq_at_pollout_min": min(at),
            "outq_full_max": max(x["outq_full"] for x in w),
            "note": "sk_wmem_queued counts truesize; SIOCOUTQ counts payload"}

if __name__ == "__main__":
    run(NAME, __file__, __doc__, client, server, role_timeout=8, analyze=analyze)
