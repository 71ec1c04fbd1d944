#!/usr/bin/env python3
"""Opens N keep-alive connections to a loopback HTTP server, makes one request on each (so each
is a kept-alive connection, not merely an accepted one), then holds them all idle until stdin
closes or --hold seconds pass. Prints "ready N" once every response has arrived.

Bounded: loopback only, N connections, one request each, a time limit on every phase.
"""
import argparse
import resource
import selectors
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--path", default="/tiny.json")
    ap.add_argument("--hold", type=float, default=120.0, help="seconds to hold at most")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.count + 64 > hard:
        sys.exit(f"descriptor limit {hard} is too low for {args.count} connections")

    request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    deadline = time.monotonic() + 60
    conns = []
    for _ in range(args.count):
        s = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s.sendall(request)
        s.setblocking(False)
        conns.append(s)
        if time.monotonic() > deadline:
            sys.exit("connecting took too long")

    # Read one complete response from each (Content-Length framing).
    sel = selectors.DefaultSelector()
    pending = {}
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
        pending[s] = b""
    done = 0
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                sys.exit("a connection was closed before its response")
            buf = pending[s] + data
            head_end = buf.find(b"\r\n\r\n")
            if head_end >= 0:
                length = 0
                for line in buf[:head_end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(buf) >= head_end + 4 + length:
                    sel.unregister(s)
                    del pending[s]
                    done += 1
                    continue
            pending[s] = buf
    if pending:
        sys.exit(f"only {done} of {len(conns)} responses arrived")
    print(f"ready {done}", flush=True)

    # Hold: block on stdin (closed by the caller) or the time limit.
    sel.register(sys.stdin, selectors.EVENT_READ)
    sel.select(timeout=args.hold)
    closed_by_server = 0
    for s in conns:
        try:
            if s.recv(1) == b"":
                closed_by_server += 1
        except BlockingIOError:
            pass
        s.close()
    print(f"closed {len(conns)} (the server had closed {closed_by_server})", flush=True)


if __name__ == "__main__":
    main()
