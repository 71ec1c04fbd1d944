"""Shared by the capture scripts beside it: the namespace's non-zero TCP counters (TcpExt and Tcp
from /proc/net/netstat and /proc/net/snmp, configuration values left out) as one event.
Copy it along with a script you copy."""


def counters(ctx, label):
    res = {}
    for path in ("/proc/net/netstat", "/proc/net/snmp"):
        with open(path) as f:
            lines = f.read().splitlines()
        for head, vals in zip(lines[0::2], lines[1::2]):
            prefix, names = head.split(":", 1)
            if prefix not in ("TcpExt", "Tcp"):
                continue
            for k, v in zip(names.split(), vals.split(":", 1)[1].split()):
                if v != "0" and k not in ("RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn"):
                    res[prefix + k] = int(v)
    ctx.ev("counters", label=label, counters=res)
