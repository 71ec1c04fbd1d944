// The readiness loop: one thread accepts connections, reads and writes non-blocking sockets,
// fires deadlines, and carries out what each connection's state machine asks. Handlers run on
// the worker pool; their responses come back through the inbox and a wakeup.
#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import Logging

/// A handler's response on its way back to the loop thread.
struct Completion {
    let fd: Int32
    let id: UInt64
    let response: HTTPResponse
}

final class EventLoop: @unchecked Sendable {
    // Sendable: everything but `inbox` (guarded by `inboxLock`) is touched only by the loop thread.
    typealias Responder = @Sendable (HTTPRequest) -> HTTPResponse

    let configuration: HTTPServer.Configuration
    let poller: any Poller
    let listener: ListeningSocket
    let pool: WorkerPool
    let respond: Responder
    let logger: Logger
    let stats: ServerStats

    private enum ListenerState: Equatable {
        case accepting
        /// Not watched: at the connection limit (until one closes) or out of descriptors (until
        /// the instant given).
        case paused(until: MonotonicTime?)
        case closed
    }

    private var listenerState = ListenerState.accepting
    private var connections: [Connection?] = []
    private var openConnections = 0
    private var deadlines = DeadlineHeap()
    /// Connections with input left over after their turn's read budget.
    private var pending: [Connection] = []
    private var nextID: UInt64 = 0
    private var dateCache = DateCache()
    private var shutdownDeadline: MonotonicTime?
    /// One read buffer for all connections: bytes are handed to the parser at once, so an idle
    /// connection owns no buffer at all.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// Reads one connection may do per turn before others get theirs.
    private static let readsPerTurn = 4
    /// Connections accepted per turn, so a connection storm does not starve existing clients.
    private static let acceptsPerTurn = 256

    private let inboxLock = ConditionLock()
    /// `closed` once the loop has finished: a handler finishing later must not write to the
    /// wakeup descriptor, whose number may by then belong to someone else.
    private var inbox: (completions: [Completion], shutdownRequested: Bool, closed: Bool) = ([], false, false)

    init(
        configuration: HTTPServer.Configuration, listener: ListeningSocket, poller: any Poller,
        pool: WorkerPool, logger: Logger, stats: ServerStats, respond: @escaping Responder
    ) {
        self.configuration = configuration
        self.listener = listener
        self.poller = poller
        self.pool = pool
        self.logger = logger
        self.stats = stats
        self.respond = respond
    }

    deinit { readBuffer.deallocate() }

    // MARK: From other threads

    /// A worker's result. Wakes the loop only if the inbox was empty: one wakeup carries a batch.
    func complete(_ completion: Completion) {
        inboxLock.withLock {
            guard !inbox.closed else { return }
            inbox.completions.append(completion)
            if inbox.completions.count == 1 { poller.wakeup() }
        }
    }

    func requestShutdown() {
        inboxLock.withLock {
            guard !inbox.closed else { return }
            inbox.shutdownRequested = true
            poller.wakeup()
        }
    }

    // MARK: The loop

    func run() {
        do {
            try poller.register(listener.fd, .readLevelTriggered)
        } catch {
            logger.critical("cannot watch the listener: \(error)")
            finish()
            return
        }
        var events: [ReadinessEvent] = []
        events.reserveCapacity(1024)
        while true {
            var now = clock()
            if let deadline = shutdownDeadline {
                if openConnections == 0 { break }
                if now.monotonic >= deadline {
                    logger.warning("shutdown grace period over: dropping \(openConnections) connection(s)")
                    break
                }
            }
            let woken: Bool
            do {
                woken = try poller.wait(timeout: nextTimeout(now), into: &events)
            } catch {
                logger.critical("event loop failed: \(error)")
                break
            }
            now = clock()
            for event in events {
                if event.fd == listener.fd {
                    acceptConnections(now)
                    continue
                }
                guard let c = connection(event.fd) else { continue }
                if event.readable || event.failed { c.readable = true }
                if event.writable || event.failed { c.writable = true }
                service(c, now)
            }
            if woken { drainInbox(now) }
            if !pending.isEmpty {
                let turn = pending
                pending.removeAll(keepingCapacity: true)
                for c in turn where !c.isClosed { service(c, now) }
            }
            for fd in deadlines.popExpired(now.monotonic) {
                guard let c = connection(fd) else { continue }
                perform(c.machine.deadlinePassed(at: now), on: c, now)
                service(c, now)
            }
            if case let .paused(until?) = listenerState, now.monotonic >= until { resumeListener() }
        }
        finish()
    }

    private func clock() -> ClockReading {
        ClockReading(monotonic: SystemClock.monotonic(), httpDate: dateCache.update())
    }

    /// How long epoll_wait may sleep: until the earliest connection deadline, the end of the
    /// shutdown grace period, or the end of an accept pause; not at all if work is pending.
    private func nextTimeout(_ now: ClockReading) -> Duration? {
        if !pending.isEmpty { return .zero }
        var wake = deadlines.earliest?.deadline
        func consider(_ t: MonotonicTime?) {
            if let t, wake.map({ t < $0 }) ?? true { wake = t }
        }
        consider(shutdownDeadline)
        if case let .paused(until) = listenerState { consider(until) }
        guard let wake else { return nil }
        return wake > now.monotonic ? wake - now.monotonic : .zero
    }

    private func connection(_ fd: Int32) -> Connection? {
        Int(fd) < connections.count ? connections[Int(fd)] : nil
    }

    // MARK: Accepting

    private func acceptConnections(_ now: ClockReading) {
        for _ in 0..<Self.acceptsPerTurn {
            if openConnections >= configuration.maxConnections {
                // Leave further clients in the kernel's accept queue (the backlog) until a
                // connection closes, rather than accepting and dropping them.
                pauseListener(until: nil)
                return
            }
            let accepted: (fd: Int32, peer: SocketAddress)?
            do {
                accepted = try listener.accept()
            } catch {
                // EMFILE / ENFILE: out of descriptors. The client stays queued; stop watching the
                // listener for a moment, or its level-triggered event would spin the loop.
                logger.error("accept failed: \(error); pausing accepts for 100 ms")
                pauseListener(until: now.monotonic + .milliseconds(100))
                return
            }
            guard let (fd, peer) = accepted else { return }
            do {
                try StreamSocket.setNoDelay(fd)
                try poller.register(fd, .readWriteEdgeTriggered)
            } catch {
                logger.error("cannot set up connection from \(peer): \(error)")
                Sys.close(fd)
                continue
            }
            nextID += 1
            let c = Connection(
                fd: fd, id: nextID, peer: peer,
                machine: ConnectionStateMachine(configuration: configuration.connection, acceptedAt: now.monotonic)
            )
            c.writable = true  // a new socket has room in its send buffer
            if Int(fd) >= connections.count {
                connections += Array(repeating: nil, count: Int(fd) + 1 - connections.count + 256)
            }
            connections[Int(fd)] = c
            openConnections += 1
            stats.connectionOpened()
            syncDeadline(c)
        }
    }

    private func pauseListener(until: MonotonicTime?) {
        guard listenerState == .accepting else { return }
        try? poller.modify(listener.fd, .none)
        listenerState = .paused(until: until)
    }

    private func resumeListener() {
        guard case .paused = listenerState else { return }
        try? poller.modify(listener.fd, .readLevelTriggered)
        listenerState = .accepting
    }

    // MARK: Serving a connection

    /// Writes what is queued and reads what the machine wants, until neither can progress.
    private func service(_ c: Connection, _ now: ClockReading) {
        var reads = 0
        while !c.isClosed {
            var progressed = false
            if !c.output.isEmpty && c.writable {
                switch c.output.flush(to: c.fd, written: { logExchange($0, now: now) }) {
                case .flushed:
                    progressed = true
                    perform(c.machine.outputFlushed(at: now), on: c, now)
                case .wouldBlock:
                    c.writable = false
                case let .failed(error):
                    drop(c, because: error, now)
                    return
                }
            }
            if !c.isClosed && c.readable && c.machine.wantsToRead {
                if reads == Self.readsPerTurn {
                    pending.append(c)
                    break
                }
                reads += 1
                progressed = true
                switch StreamSocket.read(c.fd, into: readBuffer) {
                case let .bytes(n):
                    let bytes = UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])
                    perform(c.machine.bytesReceived(bytes, at: now), on: c, now)
                case .endOfFile:
                    c.readable = false
                    perform(c.machine.peerClosed(at: now), on: c, now)
                case .wouldBlock:
                    c.readable = false
                case let .failed(error):
                    drop(c, because: error, now)
                    return
                }
            }
            if !progressed { break }
        }
        if !c.isClosed { syncDeadline(c) }
    }

    private func perform(_ action: ConnectionStateMachine.Action, on c: Connection, _ now: ClockReading) {
        switch action {
        case .none:
            break
        case let .send(outbound):
            c.output.append(outbound)  // written by `service`
        case let .handle(request):
            dispatch(request, on: c, now)
        case .shutdownWrite:
            do {
                try StreamSocket.shutdownWrite(c.fd)
            } catch {
                drop(c, because: error, now)  // ENOTCONN: the peer is already gone
            }
        case .close:
            close(c, now)
        }
    }

    private func dispatch(_ request: HTTPRequest, on c: Connection, _ now: ClockReading) {
        var addressed = request
        addressed.clientAddress = c.peerHost
        let (fd, id, respond, request) = (c.fd, c.id, self.respond, addressed)
        let queued = pool.submit { [self] in
            complete(Completion(fd: fd, id: id, response: respond(request)))
        }
        if !queued {
            // RFC 9110 §15.6.4: 503, with a hint of when to come back.
            var busy = HTTPResponse.problem(.serviceUnavailable, detail: "all workers are busy")
            busy.headers["Retry-After"] = "1"
            perform(c.machine.responseReady(busy, at: now), on: c, now)
        }
    }

    private func drainInbox(_ now: ClockReading) {
        let (completions, shutdown) = inboxLock.withLock {
            defer { inbox.completions.removeAll(keepingCapacity: true) }
            return (inbox.completions, inbox.shutdownRequested)
        }
        if shutdown && shutdownDeadline == nil { beginShutdown(now) }
        for completion in completions {
            // The connection may have closed (client gone, write timeout) while the handler ran.
            guard let c = connection(completion.fd), c.id == completion.id, !c.isClosed else { continue }
            perform(c.machine.responseReady(completion.response, at: now), on: c, now)
            service(c, now)
        }
    }

    /// Keeps the deadline heap in step with the machine's deadline.
    private func syncDeadline(_ c: Connection) {
        let wanted = c.machine.deadline
        if deadlines.deadline(of: c.fd) != wanted { deadlines.set(c.fd, wanted) }
    }

    // MARK: Closing

    private func close(_ c: Connection, _ now: ClockReading) {
        guard !c.isClosed else { return }
        if let current = c.output.current, let exchange = current.exchange {
            logExchange(exchange, now: now, abortedAfter: current.bodyBytesWritten)
        }
        c.isClosed = true
        c.machine.connectionFailed()
        deadlines.set(c.fd, nil)
        connections[Int(c.fd)] = nil
        Sys.close(c.fd)  // also removes it from the epoll set
        openConnections -= 1
        stats.connectionClosed()
        if listenerState == .paused(until: nil) { resumeListener() }
    }

    private func drop(_ c: Connection, because error: SocketError, _ now: ClockReading) {
        logger.debug("connection from \(c.peer) dropped: \(error)")
        close(c, now)
    }

    /// Graceful shutdown: stop accepting, let active connections finish their request (their
    /// response says `Connection: close`), half-close idle ones, and give it all a deadline.
    private func beginShutdown(_ now: ClockReading) {
        shutdownDeadline = now.monotonic + configuration.shutdownGracePeriod
        listener.close()  // new clients now get RST from the kernel
        listenerState = .closed
        logger.info("shutting down: \(openConnections) open connection(s), grace period \(configuration.shutdownGracePeriod)")
        for c in connections.compactMap({ $0 }) {
            perform(c.machine.shutdownRequested(at: now), on: c, now)
            service(c, now)
        }
    }

    private func finish() {
        let now = clock()
        for c in connections.compactMap({ $0 }) { close(c, now) }
        if listenerState != .closed { listener.close() }
        listenerState = .closed
        inboxLock.withLock {
            inbox.closed = true
            poller.close()
        }
    }

    // MARK: Access log

    /// One line per response: method, target, status, body bytes, duration.
    private func logExchange(_ e: ConnectionStateMachine.Exchange, now: ClockReading, abortedAfter sent: Int? = nil) {
        if sent == nil { stats.requestServed() }
        guard logger.logLevel <= .info else { return }
        let micros = (now.monotonic.nanoseconds - e.startedAt.nanoseconds) / 1000
        let duration = "\(micros / 1000).\(String(micros % 1000 / 10).leftPadded(2))ms"
        let outcome = sent.map { " aborted after \($0)B" } ?? ""
        logger.info("\(e.method) \(e.target) \(e.status.code) \(e.bodyBytes)B \(duration)\(outcome)")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
