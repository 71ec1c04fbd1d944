// The I/O half of a connection: its descriptor, its state machine, what remains to be written,
// and the readiness the poller reported.
import HTTPCore

/// Responses waiting to be written, in order, with how much of the first has gone out.
/// Writes resume exactly where a partial write stopped (a non-blocking send may take any
/// prefix of what it is given).
struct OutputQueue {
    typealias Outbound = ConnectionStateMachine.Outbound
    private var items: [Outbound] = []
    /// Bytes of `items[0]` (head, then body) already written.
    private(set) var written = 0

    var isEmpty: Bool { items.isEmpty }
    /// The response being written, for the access log of an aborted exchange.
    var current: (exchange: ConnectionStateMachine.Exchange?, bodyBytesWritten: Int)? {
        items.first.map { ($0.exchange, max(0, written - $0.head.count)) }
    }

    mutating func append(_ outbound: Outbound) {
        if outbound.head.isEmpty && outbound.body.isEmpty { return }
        items.append(outbound)
    }

    enum FlushResult: Equatable {
        /// Everything queued is written.
        case flushed
        /// The socket buffer is full: wait until it becomes writable.
        case wouldBlock
        case failed(SocketError)
    }

    /// Writes until everything is out, the socket would block, or it fails. `written(exchange)`
    /// is called for each complete response, for the access log.
    mutating func flush(to fd: Int32, written completed: (ConnectionStateMachine.Exchange) -> Void) -> FlushResult {
        while let item = items.first {
            let headLeft = max(0, item.head.count - written)
            let bodyOffset = max(0, written - item.head.count)
            let result = item.head.withUnsafeBytes { head in
                item.body.withUnsafeBytes { body in
                    StreamSocket.send(
                        fd,
                        UnsafeRawBufferPointer(rebasing: head[(head.count - headLeft)...]),
                        UnsafeRawBufferPointer(rebasing: body[bodyOffset...])
                    )
                }
            }
            switch result {
            case let .bytes(n):
                written += n
                if written == item.head.count + item.body.count {
                    items.removeFirst()
                    written = 0
                    if let exchange = item.exchange { completed(exchange) }
                }
            case .wouldBlock:
                return .wouldBlock
            case let .failed(error):
                return .failed(error)
            case .endOfFile:
                preconditionFailure("sendmsg does not report end of file")
            }
        }
        return .flushed
    }
}

/// One accepted connection, owned by the event loop thread.
final class Connection {
    let fd: Int32
    /// Distinguishes this connection from a later one given the same descriptor number, so a
    /// handler finishing after its connection closed cannot answer a stranger.
    let id: UInt64
    let peer: SocketAddress
    /// The peer's address without its port, for handlers (rate limits, logs).
    lazy var peerHost: String = peer.hostString
    var machine: ConnectionStateMachine
    var output = OutputQueue()
    /// Edge-triggered readiness, remembered until a read or write returns EAGAIN.
    var readable = false
    var writable = false
    var isClosed = false

    init(fd: Int32, id: UInt64, peer: SocketAddress, machine: ConnectionStateMachine) {
        self.fd = fd
        self.id = id
        self.peer = peer
        self.machine = machine
    }
}
