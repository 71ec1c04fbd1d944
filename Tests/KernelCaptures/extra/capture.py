"""What the capture scripts here share: the kernel-capture library (re-exported), relay rules that
drop chosen frames, a reader that drains a connection, and the two-role run. A script defines
`server(ctx)` and `client(ctx)` and ends with `run(NAME, __file__, __doc__, client, server, ...)`."""
import sys
sys.path.insert(0, "/work/shared/tools/kernel-capture/lib")
from tcpconf import *  # noqa: F401,F403 (the scripts use the library's names through this module)
from tcpconf import CLI_NS, SRV_NS, entry, run_case


def drop_data(port, skip=0, count=1):
    """Drop client data frames to `port`: `count` of them after the first `skip` (each rule counts
    the frames that reach it, that is, those an earlier rule let through)."""
    return {"dir": "c2s", "match": {"min_len": 1, "dport": port}, "skip": skip, "count": count, "action": "drop"}


def drop_syn(port, skip=0, count=1):
    return {"dir": "c2s", "match": {"flags_set": ["SYN"], "dport": port}, "skip": skip, "count": count, "action": "drop"}


def drop_synack(port, skip=0, count=1):
    return {"dir": "s2c", "match": {"flags_set": ["SYN", "ACK"], "sport": port}, "skip": skip, "count": count, "action": "drop"}


def read_all(conn, limit=None):
    """Read until EOF (or `limit` bytes); returns the byte count."""
    got = 0
    while limit is None or got < limit:
        d = conn.recv(1 << 20)
        if not d:
            break
        got += len(d)
    return got


def run(name, script, doc, client, server, **kw):
    """The client in CLI_NS, the server in SRV_NS; `kw` goes to run_case (rules, sysctls, timeouts)."""
    entry({"client": client, "server": server},
          lambda: run_case(name, script, [("server", SRV_NS), ("client", CLI_NS)], description=doc, **kw))
