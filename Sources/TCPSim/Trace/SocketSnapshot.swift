/// A socket table at one instant, like `ss -tan` on every host.
public struct SocketSnapshot: Sendable {
    public var index: Int
    public var at: Instant
    public var rows: [SocketRow]
}

/// One line of `ss -tan`. For LISTEN, Recv-Q is the accept queue length and Send-Q the backlog;
/// otherwise Recv-Q counts unread bytes (and an unread FIN) and Send-Q unacknowledged or unsent bytes.
public struct SocketRow: Sendable, Equatable {
    public var host: String
    public var socket: String
    public var state: TCPState
    public var recvQ: Int
    public var sendQ: Int
    public var local: String
    public var peer: String
}

extension Simulation {
    func takeSnapshot(index: Int, at t: Instant) -> SocketSnapshot {
        var rows: [SocketRow] = []
        for host in hosts {
            for label in host.socketOrder {
                guard let s = host.sockets[label], let l = s.listener, !s.closed else { continue }
                rows.append(SocketRow(host: host.name, socket: l.name, state: .LISTEN, recvQ: l.acceptQueue.count,
                                      sendQ: l.backlog, local: l.local.description, peer: "0.0.0.0:*"))
                for tuple in l.synOrder {
                    guard let r = l.synQueue[tuple] else { continue }
                    rows.append(SocketRow(host: host.name, socket: r.name, state: .SYN_RECV, recvQ: 0, sendQ: 0,
                                          local: tuple.local.description, peer: tuple.remote.description))
                }
            }
            for ep in host.endpoints where ep.state != .CLOSED {
                let fin = ep.finReceived && !ep.finRead ? 1 : 0
                var sendQ = 0
                if ep.state != .TIME_WAIT {
                    sendQ = (ep.dataEnd - ep.sndUna) + (ep.finQueued && !ep.finAcked ? 1 : 0)
                }
                rows.append(SocketRow(host: host.name, socket: ep.name, state: ep.state,
                                      recvQ: ep.state == .TIME_WAIT ? 0 : ep.receiveQueue.count + fin, sendQ: max(0, sendQ),
                                      local: ep.tuple.local.description, peer: ep.tuple.remote.description))
            }
        }
        return SocketSnapshot(index: index, at: t, rows: rows)
    }
}
