// One HTTP/1.1 connection's lifecycle as a sans-IO state machine (RFC 9112 §9: persistence,
// pipelining, closing). States follow Go's net/http ConnState: new, active, idle, closed.

/// Timeouts and limits of a connection. Each answers a different misbehaviour, as in Go's
/// `http.Server`: a slow head (slowloris), a slow body, a client that stops reading, and
/// connections left open and unused.
public struct ConnectionConfiguration: Hashable, Sendable {
    public var limits: RequestParser.Limits
    /// From accept, or from the first byte of a later request, until its head is complete
    /// (Go: ReadHeaderTimeout). On expiry: 408 and close.
    public var headerReadTimeout: Duration
    /// From the head until the last body byte (Go folds this into ReadTimeout). On expiry: 408.
    public var bodyReadTimeout: Duration
    /// From the response being ready until its last byte is handed to the kernel
    /// (Go: WriteTimeout). On expiry the connection is dropped: nothing more can be said.
    public var writeTimeout: Duration
    /// A kept-alive connection with no request in progress (Go: IdleTimeout; nginx:
    /// keepalive_timeout 75 s). On expiry: a graceful close.
    public var idleTimeout: Duration
    /// After our `shutdown(SHUT_WR)`: how long to keep reading (and discarding) before `close()`,
    /// so the client reads our last response before any RST (Apache: lingering close, 2 s).
    public var lingerTimeout: Duration
    /// How much the client may still send while we linger before we give up and close.
    public var maxLingerBytes: Int

    public init(
        limits: RequestParser.Limits = .init(), headerReadTimeout: Duration = .seconds(10),
        bodyReadTimeout: Duration = .seconds(30), writeTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60), lingerTimeout: Duration = .seconds(2), maxLingerBytes: Int = 64 * 1024
    ) {
        self.limits = limits
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.writeTimeout = writeTimeout
        self.idleTimeout = idleTimeout
        self.lingerTimeout = lingerTimeout
        self.maxLingerBytes = maxLingerBytes
    }
}

/// The life of one connection, from accept to close, without any I/O.
///
/// The I/O layer reports what happened — bytes arrived, the peer closed, the output was flushed,
/// a handler produced a response, the deadline passed, the server is shutting down — and carries
/// out the one `Action` each input returns. Between inputs it asks `deadline` (when to call
/// `deadlinePassed`) and `wantsToRead` (whether to read the socket at all).
///
/// ```
///   new ──bytes──▶ active: readingHead ─▶ readingBody ─▶ handling ─▶ writing ──flushed──▶ idle
///    │                    │ error / timeout: answer 4xx, Connection: close │                  │
///    │                    ▼                                                ▼                  │
///    └─ timeout / shutdown ───────────────▶ closing (SHUT_WR sent, draining input) ◀─────────┘
///                                              └── EOF / linger timeout ──▶ closed
/// ```
public struct ConnectionStateMachine: Sendable {
    /// The lifecycle as Go's `ConnState` names it, plus `closing` for the half-closed linger.
    public enum State: Hashable, Sendable, CustomStringConvertible {
        /// Accepted; no byte received yet.
        case new
        /// Some of a request has arrived, or a request is being handled or answered.
        case active
        /// Kept alive between requests.
        case idle
        /// Our side is shut down for writing; discarding input until the peer closes.
        case closing
        case closed

        public var description: String {
            switch self {
            case .new: return "new"
            case .active: return "active"
            case .idle: return "idle"
            case .closing: return "closing"
            case .closed: return "closed"
            }
        }
    }

    /// What the I/O layer must do next.
    public enum Action: Equatable, Sendable {
        case none
        /// Queue these bytes; report `outputFlushed` once everything queued has been written.
        case send(Outbound)
        /// Run the handler (on a worker: it may be slow) and report `responseReady`.
        case handle(HTTPRequest)
        /// `shutdown(SHUT_WR)`: our FIN follows the data already queued. Keep reading and
        /// reporting bytes (they are discarded) until EOF or the deadline.
        case shutdownWrite
        /// `close()` now.
        case close
    }

    /// Bytes to send, and what to log about them once they are written.
    public struct Outbound: Equatable, Sendable {
        public var head: [UInt8]
        public var body: [UInt8]
        /// Set for a final response; nil for `100 Continue`.
        public var exchange: Exchange?

        public init(head: [UInt8], body: [UInt8], exchange: Exchange?) {
            self.head = head
            self.body = body
            self.exchange = exchange
        }
    }

    /// One request and its response, for the access log.
    public struct Exchange: Equatable, Sendable {
        public var method: String
        public var target: String
        public var status: HTTPStatus
        /// Body bytes sent (not counting the head).
        public var bodyBytes: Int
        /// When the request's first byte arrived.
        public var startedAt: MonotonicTime

        public init(method: String, target: String, status: HTTPStatus, bodyBytes: Int, startedAt: MonotonicTime) {
            self.method = method
            self.target = target
            self.status = status
            self.bodyBytes = bodyBytes
            self.startedAt = startedAt
        }
    }

    enum Phase: Hashable, Sendable {
        case new, idle, readingHead, readingBody, handling
        case writing(closeAfter: Bool)
        case draining
        case closed
    }

    public let configuration: ConnectionConfiguration
    var phase: Phase = .new
    var parser: RequestParser
    /// The request being read or handled.
    var currentHead: HTTPRequestHead?
    var currentBody: [UInt8] = []
    var requestStartedAt: MonotonicTime
    /// The peer sent FIN: no more requests will come.
    var inputClosed = false
    var shuttingDown = false
    var discardedWhileDraining = 0

    /// When `deadlinePassed` must be called; nil while a handler runs (it has no deadline here:
    /// the shutdown grace period bounds it).
    public private(set) var deadline: MonotonicTime?
    /// Responses completely written on this connection.
    public private(set) var requestsServed = 0

    /// A connection accepted at `now`: the client has `headerReadTimeout` to send a request head.
    public init(configuration: ConnectionConfiguration = .init(), acceptedAt now: MonotonicTime) {
        self.configuration = configuration
        self.parser = RequestParser(limits: configuration.limits)
        self.requestStartedAt = now
        self.deadline = now + configuration.headerReadTimeout
    }

    public var state: State {
        switch phase {
        case .new: return .new
        case .idle: return .idle
        case .readingHead, .readingBody, .handling, .writing: return .active
        case .draining: return .closing
        case .closed: return .closed
        }
    }

    /// Whether the socket should be read. Not while a request is handled or answered: a client
    /// pipelining requests waits in its socket buffer (and TCP flow control), not in our memory.
    public var wantsToRead: Bool {
        if inputClosed { return false }
        switch phase {
        case .new, .idle, .readingHead, .readingBody, .draining: return true
        case .handling, .writing, .closed: return false
        }
    }

    // MARK: Inputs

    /// Bytes read from the socket.
    public mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, at now: ClockReading) -> Action {
        switch phase {
        case .draining:
            discardedWhileDraining += bytes.count
            if discardedWhileDraining > configuration.maxLingerBytes { return close() }
            return .none
        case .closed:
            return .none
        case .handling, .writing:
            // Pipelined (RFC 9112 §9.3.2): kept, and parsed once the current response is out.
            parser.receive(bytes)
            return .none
        case .new, .idle:
            parser.receive(bytes)
            // A new connection's header timeout has run since accept; an idle one's starts now.
            if phase == .idle { deadline = now.monotonic + configuration.headerReadTimeout }
            requestStartedAt = now.monotonic
            phase = .readingHead
            return advance(now)
        case .readingHead, .readingBody:
            parser.receive(bytes)
            return advance(now)
        }
    }

    public mutating func bytesReceived(_ bytes: [UInt8], at now: ClockReading) -> Action {
        bytes.withUnsafeBytes { bytesReceived($0, at: now) }
    }

    /// The peer closed its sending side (read returned 0).
    public mutating func peerClosed(at now: ClockReading) -> Action {
        inputClosed = true
        switch phase {
        case .handling, .writing:
            return .none  // a half-closed client still gets its answer (RFC 9112 §9.6)
        case .closed:
            return .none
        case .new, .idle, .readingHead, .readingBody, .draining:
            // An incomplete request cannot be answered meaningfully; a complete one would
            // already be handled.
            return close()
        }
    }

    /// The handler's response to the request last returned in `.handle`.
    public mutating func responseReady(_ response: HTTPResponse, at now: ClockReading) -> Action {
        guard phase == .handling, let head = currentHead else { return .none }
        // RFC 9112 §9.3: persist unless either side says close. We also close when shutting
        // down, and when the client half-closed and sent nothing more.
        let keepAlive = head.keepAlive && !shuttingDown && !(inputClosed && parser.bufferedByteCount == 0)
            && !response.headers.containsToken("Connection", "close")
        return compose(response, keepAlive: keepAlive, at: now)
    }

    /// Everything queued so far has been written.
    public mutating func outputFlushed(at now: ClockReading) -> Action {
        guard case let .writing(closeAfter) = phase else { return .none }  // e.g. after 100 Continue
        requestsServed += 1
        currentHead = nil
        currentBody = []
        if closeAfter || shuttingDown {
            return inputClosed ? close() : beginClosing(at: now)
        }
        if parser.bufferedByteCount > 0 {
            // The next pipelined request is already here.
            phase = .readingHead
            requestStartedAt = now.monotonic
            deadline = now.monotonic + configuration.headerReadTimeout
            return advance(now)
        }
        if inputClosed { return close() }
        phase = .idle
        deadline = now.monotonic + configuration.idleTimeout
        return .none
    }

    /// Called at or after `deadline`.
    public mutating func deadlinePassed(at now: ClockReading) -> Action {
        guard let deadline, now.monotonic >= deadline else { return .none }
        switch phase {
        case .new, .idle:
            // Nothing was asked, so nothing is answered (RFC 9112 §9.5 lets a server close an
            // idle connection at any time); we close gracefully.
            return beginClosing(at: now)
        case .readingHead, .readingBody:
            // RFC 9110 §15.5.9: 408, "the server would like to shut down this unused connection".
            return answerAndClose(.problem(.requestTimeout, detail: "the request took too long to arrive"), at: now)
        case .writing, .draining:
            return close()  // the client is not reading; nothing more can be said
        case .handling, .closed:
            return .none
        }
    }

    /// The server is shutting down: idle connections close now; active ones after their response
    /// (which says `Connection: close`).
    public mutating func shutdownRequested(at now: ClockReading) -> Action {
        shuttingDown = true
        switch phase {
        case .new, .idle: return beginClosing(at: now)
        default: return .none
        }
    }

    /// The socket failed (ECONNRESET, EPIPE…): the I/O layer closes it; the machine agrees.
    public mutating func connectionFailed() {
        phase = .closed
        deadline = nil
    }

    // MARK: Transitions

    /// Pulls parser events until a request is complete, more bytes are needed, or it fails.
    mutating func advance(_ now: ClockReading) -> Action {
        while true {
            let event: RequestParser.Event
            do {
                event = try parser.nextEvent()
            } catch {
                return answerAndClose(.problem(error.status, detail: error.description), at: now)
            }
            switch event {
            case .needData:
                if inputClosed { return close() }
                return .none
            case let .head(head):
                currentHead = head
                currentBody = []
                phase = .readingBody
                if head.framing != .none {
                    deadline = now.monotonic + configuration.bodyReadTimeout
                }
                // RFC 9110 §10.1.1: tell the client to send the body it is holding back, unless
                // some of it is already here.
                if head.expectsContinue && head.framing != .none && head.framing != .contentLength(0)
                    && parser.bufferedByteCount == 0
                {
                    return .send(Outbound(head: ResponseEncoder.continueHead, body: [], exchange: nil))
                }
            case let .body(bytes):
                currentBody.append(contentsOf: bytes)
            case .end:
                phase = .handling
                deadline = nil
                return .handle(HTTPRequest(head: currentHead!, body: currentBody))
            }
        }
    }

    /// Answers without a handler (a parse error, a timeout) and closes afterwards: after a
    /// framing error the next request's start cannot be found (RFC 9112 §6.3).
    mutating func answerAndClose(_ response: HTTPResponse, at now: ClockReading) -> Action {
        compose(response, keepAlive: false, at: now)
    }

    mutating func compose(_ response: HTTPResponse, keepAlive: Bool, at now: ClockReading) -> Action {
        let head = currentHead
        let isHead = head?.method == .head
        let contentLength: Int? = response.status.forbidsContent ? nil : response.body.count
        let body = (isHead || response.status.forbidsContent) ? [] : response.body
        let bytes = ResponseEncoder.head(
            response, contentLength: contentLength, keepAlive: keepAlive,
            requestVersion: head?.version ?? .http1_1, date: now.httpDate
        )
        phase = .writing(closeAfter: !keepAlive)
        deadline = now.monotonic + configuration.writeTimeout
        let exchange = Exchange(
            method: head?.method.rawValue ?? "-", target: head?.target ?? "-", status: response.status,
            bodyBytes: body.count, startedAt: requestStartedAt
        )
        return .send(Outbound(head: bytes, body: body, exchange: exchange))
    }

    /// Half-close and linger: `shutdown(SHUT_WR)` sends our FIN after the queued response, and we
    /// read until the client's FIN. Closing at once could make the kernel answer unread input with
    /// RST, which can destroy our response in the client's receive buffer before it is read.
    mutating func beginClosing(at now: ClockReading) -> Action {
        phase = .draining
        deadline = now.monotonic + configuration.lingerTimeout
        return .shutdownWrite
    }

    mutating func close() -> Action {
        phase = .closed
        deadline = nil
        return .close
    }
}
