#if canImport(Glibc)
import Glibc
#endif
import HTTPCore
@testable import HTTPServer
import Logging
import Testing

/// A blocking loopback client speaking raw bytes, so tests control exactly what is sent and
/// when. Every read has a timeout: no test can hang on a server that does not answer.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int, timeout: Duration = .seconds(5)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let address = SocketAddress(host: "127.0.0.1", port: port)!
        let rc = address.withSockaddr { connect(fd, $0, $1) }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure(description: "connect: errno \(e)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: errno \(errno)")
            }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer += chunk[0..<n]
                return true
            }
            if n == 0 { return false }
            if errno == EINTR { continue }
            throw Failure(description: errno == EAGAIN ? "read timed out" : "recv: errno \(errno)")
        }
    }

    /// The next complete response. `bodyless`: a response to HEAD (its Content-Length describes
    /// a body that is not sent).
    func readResponse(bodyless: Bool = false) throws -> TestResponse {
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                var lines = head.split(separator: "\r\n").map(String.init)
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
                    throw Failure(description: "bad status line \(statusLine)")
                }
                var headers = HTTPHeaders()
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad field \(line)") }
                    headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " "))
                }
                let length = (bodyless || status < 200 || status == 204 || status == 304) ? 0 : Int(headers["Content-Length"] ?? "0")!
                while buffer.count < end + length {
                    guard try fill() else { throw Failure(description: "EOF inside a body") }
                }
                let body = Array(buffer[end..<(end + length)])
                buffer.removeFirst(end + length)
                return TestResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw Failure(description: "EOF before a response (\(buffer.count) bytes buffered)") }
        }
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// True if the server closed (FIN) with nothing more to read.
    func readsEOF() throws -> Bool {
        if !buffer.isEmpty { return false }
        return try !fill()
    }

    /// Reads `count` raw bytes.
    func read(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw Failure(description: "EOF") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[0..<count])
    }

    /// Closes with SO_LINGER 0: the kernel sends RST at once, as a crashing client would.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
    }
}

struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

/// A log handler that keeps the messages, to check the access log.
final class CapturedLog: @unchecked Sendable {
    private let lines = Protected([String]())
    var messages: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append("\(event.level) \(event.message)")
        }
    }
}

func sleep(ms: Int) { usleep(useconds_t(ms * 1000)) }

/// Routes shared by the end-to-end tests.
func testRoutes() -> Router {
    var r = Router()
    r.get("/hello") { _ in .text("hello") }
    r.post("/echo") { req in HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: req.body) }
    r.get("/slow") { req in
        sleep(ms: Int(req.query("ms") ?? "300")!)
        return .text("slow")
    }
    r.get("/spin") { req in
        // CPU-bound: never yields its thread.
        let until = SystemClock.monotonic() + .milliseconds(Int64(req.query("ms") ?? "300")!)
        var x: UInt64 = 0
        while SystemClock.monotonic() < until { x &+= 1 }
        return .text("spun \(x > 0)")
    }
    r.get("/big") { req in
        HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: [UInt8](repeating: 0x78, count: Int(req.query("bytes") ?? "1000000")!))
    }
    r.get("/json") { _ in
        HTTPResponse.json(.array((0..<500).map { .object([("seq", .int(Int64($0))), ("flags", ["ACK", "PSH"])]) })).withETag()
    }
    return r
}

/// Short timeouts so the timeout tests finish quickly.
func testConfiguration() -> HTTPServer.Configuration {
    HTTPServer.Configuration(
        host: "127.0.0.1", port: 0,
        connection: ConnectionConfiguration(
            headerReadTimeout: .milliseconds(600), bodyReadTimeout: .milliseconds(600), writeTimeout: .seconds(2),
            idleTimeout: .seconds(5), lingerTimeout: .milliseconds(500)
        ),
        workerThreads: 4, shutdownGracePeriod: .seconds(3)
    )
}

/// Starts a server on an ephemeral loopback port, runs `body`, and shuts it down.
func withServer(
    configuration: HTTPServer.Configuration = testConfiguration(), router: Router = testRoutes(),
    logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
    _ body: (HTTPServer, Int) throws -> Void
) throws {
    let server = HTTPServer(configuration: configuration, router: router, logger: logger)
    let port = try server.start().port
    defer {
        server.shutdown()
        server.wait()
    }
    try body(server, port)
}

/// Runs `body(i)` for i in 0..<count on that many threads at once; returns their errors.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    let state = Protected((finished: 0, errors: [String]()))
    for i in 0..<count {
        startThread(name: "client-\(i)") {
            var failure: String?
            do { try body(i) } catch { failure = "client \(i): \(error)" }
            state.withLock {
                $0.finished += 1
                if let failure { $0.errors.append(failure) }
            }
            state.broadcast()
        }
    }
    state.wait(until: { $0.finished == count })
    return state.withLock { $0.errors }
}

/// Milliseconds taken by `body`.
func milliseconds(_ body: () throws -> Void) rethrows -> Int64 {
    let start = SystemClock.monotonic()
    try body()
    return (SystemClock.monotonic().nanoseconds - start.nanoseconds) / 1_000_000
}

/// Polls `condition` every 10 ms for up to `timeout`.
func eventually(within timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
    let deadline = SystemClock.monotonic() + timeout
    while SystemClock.monotonic() < deadline {
        if condition() { return true }
        sleep(ms: 10)
    }
    return condition()
}
