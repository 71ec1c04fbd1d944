// The server: configuration, start, graceful shutdown. One event loop thread and a worker pool.
#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
import Logging

/// An HTTP/1.1 server on POSIX sockets.
///
/// ```swift
/// var router = Router()
/// router.get("/health") { _ in .json(["status": "ok"]) }
/// let server = HTTPServer(configuration: .init(port: 8080), router: router, logger: logger)
/// let address = try server.start()   // bound and listening when this returns
/// …
/// server.shutdown()                   // graceful; returns at once
/// server.wait()                       // until the loop has finished
/// ```
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        /// A numeric IPv4 or IPv6 address, or `localhost`.
        public var host: String
        /// 0 asks the kernel for an ephemeral port (tests); `start()` returns the one chosen.
        public var port: Int
        /// The accept queue length asked of listen(2) (the kernel caps it at somaxconn).
        public var backlog: Int32
        /// Timeouts and parser limits of every connection.
        public var connection: ConnectionConfiguration
        /// Threads running handlers. CPU-heavy handlers need about one per core; handlers that
        /// wait (disk, a database lock) benefit from more.
        public var workerThreads: Int
        /// Requests waiting for a worker before new ones are answered 503.
        public var workerQueueCapacity: Int
        /// Connections held at once; beyond, clients wait in the kernel's accept queue.
        public var maxConnections: Int
        /// How long a graceful shutdown waits for in-flight requests before dropping them.
        public var shutdownGracePeriod: Duration
        public var compression: CompressionPolicy

        public init(
            host: String = "127.0.0.1", port: Int = 8080, backlog: Int32 = 1024,
            connection: ConnectionConfiguration = .init(),
            workerThreads: Int = max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
            workerQueueCapacity: Int = 1024, maxConnections: Int = 16_384,
            shutdownGracePeriod: Duration = .seconds(10), compression: CompressionPolicy = .init()
        ) {
            self.host = host
            self.port = port
            self.backlog = backlog
            self.connection = connection
            self.workerThreads = workerThreads
            self.workerQueueCapacity = workerQueueCapacity
            self.maxConnections = maxConnections
            self.shutdownGracePeriod = shutdownGracePeriod
            self.compression = compression
        }
    }

    public let configuration: Configuration
    public let stats: ServerStats
    let logger: Logger
    let router: Router
    private let state = Protected(State())

    private struct State {
        var loop: EventLoop?
        var running = false
        var stopped = false
    }

    public init(configuration: Configuration = .init(), router: Router, logger: Logger = Logger(label: "tcplab.http"), stats: ServerStats = ServerStats()) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.stats = stats
    }

    /// Binds, listens and starts the event loop thread. Returns the bound address.
    @discardableResult
    public func start() throws(SocketError) -> SocketAddress {
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw SocketError(call: "inet_pton(\(configuration.host))", errno: EINVAL)
        }
        let listener = try ListeningSocket(address: address, backlog: configuration.backlog)
        let poller: any Poller
        do {
            poller = try EpollPoller()
        } catch {
            listener.close()
            throw error
        }
        let pool = WorkerPool(threadCount: configuration.workerThreads, queueCapacity: configuration.workerQueueCapacity)
        let (router, compression) = (self.router, configuration.compression)
        let loop = EventLoop(
            configuration: configuration, listener: listener, poller: poller, pool: pool, logger: logger, stats: stats
        ) { request in
            ResponseEncoder.finalize(router.respond(to: request), for: request.head, compression: compression)
        }
        state.withLock {
            precondition(!$0.running && !$0.stopped, "an HTTPServer starts once")
            $0.loop = loop
            $0.running = true
        }
        let grace = configuration.shutdownGracePeriod
        startThread(name: "http-loop") { [self] in
            loop.run()
            // Handlers still running after the loop ends are abandoned after a bounded wait.
            if !pool.stop(deadline: SystemClock.monotonic() + min(grace, .seconds(2))) {
                logger.warning("a handler is still running; not waiting for it")
            }
            state.withLock {
                $0.running = false
                $0.stopped = true
                $0.loop = nil
            }
            state.broadcast()
        }
        logger.debug("listening on \(listener.address)")
        return listener.address
    }

    /// Begins a graceful shutdown and returns at once: stop accepting, finish in-flight
    /// requests, close idle connections with shutdown(SHUT_WR), drain, close().
    public func shutdown() {
        state.withLock { $0.loop }?.requestShutdown()
    }

    /// Blocks until the event loop has finished (after `shutdown()`, within the grace period
    /// plus a little).
    public func wait() {
        state.wait(until: { $0.stopped || !$0.running })
    }

    /// Raises this process's soft limit on open descriptors to the hard limit (Go does the same
    /// at startup): every connection costs one, and the usual soft limit of 1024 would cap the
    /// server far below what the machine holds.
    @discardableResult
    public static func raiseFileDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}

/// Counters for tests, health checks and the curious. Updated by the loop thread.
public final class ServerStats: Sendable {
    public struct Snapshot: Hashable, Sendable {
        /// Connections accepted since start.
        public var accepted = 0
        /// Connections open now.
        public var open = 0
        /// Responses completely written.
        public var responses = 0
    }

    private let counters = Protected(Snapshot())

    public init() {}

    public var snapshot: Snapshot { counters.withLock { $0 } }

    func connectionOpened() { counters.withLock { $0.accepted += 1; $0.open += 1 } }
    func connectionClosed() { counters.withLock { $0.open -= 1 } }
    func requestServed() { counters.withLock { $0.responses += 1 } }
}

/// A value guarded by a `ConditionLock`.
final class Protected<Value>: @unchecked Sendable {
    // Sendable: `value` is only touched with the lock held.
    private let lock = ConditionLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }

    /// Blocks until `condition` holds; re-evaluated after every `broadcast()`.
    func wait(until condition: (Value) -> Bool) {
        lock.withLock {
            while !condition(value) { lock.wait() }
        }
    }

    func broadcast() { lock.withLock { lock.broadcast() } }
}
