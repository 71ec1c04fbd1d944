// The socket calls the server makes, each retried on EINTR and turned into a typed error.
// POSIX.1-2024 socket(), bind(), listen(), read(), sendmsg(), shutdown(), close(); Linux
// accept4(2) and socket(7)/tcp(7) options.
#if canImport(Glibc)
import Glibc
import CLinux
#endif

/// Thin wrappers over the system calls. Each one retries when a signal interrupted it (EINTR:
/// the call did nothing and may simply be made again) and captures errno in a `SocketError`.
enum Sys {
    /// Runs `body` until it does not fail with EINTR; a negative result becomes a `SocketError`.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SocketError) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let error = errno
            if error == EINTR { continue }
            throw SocketError(call: call, errno: error)
        }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ call: String) throws(SocketError) {
        var v = value
        _ = try retrying(call) { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// close(2) is not retried on EINTR: on Linux the descriptor is released even then, and a
    /// retry could close a descriptor another thread has just been given.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    /// An address from a numeric host (`127.0.0.1`, `::1`, `0.0.0.0`) or `localhost`.
    public init?(host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        storage = sockaddr_storage()
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(port).bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeBytes(of: v4) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        } else if inet_pton(AF_INET6, name.trimmingBrackets, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(port).bigEndian
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeBytes(of: v6) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        } else {
            return nil
        }
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    var family: Int32 { Int32(storage.ss_family) }

    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            family == AF_INET6
                ? Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
                : Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// The address without the port: `127.0.0.1` or `::1`.
    public var hostString: String {
        let d = description
        if d.hasPrefix("["), let close = d.firstIndex(of: "]") { return String(d[d.index(after: d.startIndex)..<close]) }
        return String(d[..<(d.lastIndex(of: ":") ?? d.endIndex)])
    }

    /// `127.0.0.1:8080` or `[::1]:8080`.
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var a = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &a, &text, socklen_t(text.count))
                return "[\(Self.string(text))]:\(port)"
            }
            var a = raw.load(as: sockaddr_in.self).sin_addr
            inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
            return "\(Self.string(text)):\(port)"
        }
    }

    private static func string(_ cString: [CChar]) -> String {
        String(decoding: cString.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool { a.description == b.description }
    public func hash(into h: inout Hasher) { h.combine(description) }
}

extension String {
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

/// A listening TCP socket, non-blocking and close-on-exec.
final class ListeningSocket {
    let fd: Int32
    let address: SocketAddress

    /// socket() → SO_REUSEADDR → bind() → listen().
    ///
    /// SO_REUSEADDR lets a restarted server bind while connections of its previous run sit in
    /// TIME_WAIT (which holds the local port for 60 s on Linux); without it bind() fails with
    /// EADDRINUSE. It does not let two live servers share the port (that is SO_REUSEPORT).
    init(address: SocketAddress, backlog: Int32) throws(SocketError) {
        // SOCK_CLOEXEC: a child process (a spawned tool, say) must not inherit the listener.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try Sys.retrying("socket") { socket(address.family, type, 0) }
        do {
            try Sys.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
            _ = try Sys.retrying("bind") { address.withSockaddr { bind(fd, $0, $1) } }
            // The kernel caps the backlog at net.core.somaxconn (4096 on Linux ≥ 5.4).
            _ = try Sys.retrying("listen") { listen(fd, backlog) }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = try Sys.retrying("getsockname") {
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            self.fd = fd
            self.address = SocketAddress(storage: storage, length: length)
        } catch {
            Sys.close(fd)
            throw error
        }
    }

    /// One connection from the accept queue, or nil when it is empty (EAGAIN).
    ///
    /// accept4() sets O_NONBLOCK and FD_CLOEXEC on the new socket in the same call, leaving no
    /// window in which another thread could fork and leak it. ECONNABORTED (the client reset
    /// while queued) is not our error: the next connection is tried.
    func accept() throws(SocketError) -> (fd: Int32, peer: SocketAddress)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(self.fd, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd >= 0 { return (fd, SocketAddress(storage: storage, length: length)) }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case let e: throw SocketError(call: "accept4", errno: e)
            }
        }
    }

    func close() { Sys.close(fd) }
}

/// What a non-blocking read or write achieved.
enum IOResult: Equatable {
    /// This many bytes (> 0).
    case bytes(Int)
    /// read(): the peer sent FIN.
    case endOfFile
    /// EAGAIN: try again when the poller says so.
    case wouldBlock
    case failed(SocketError)
}

/// Operations on a connected, non-blocking stream socket.
enum StreamSocket {
    /// read(2) into `buffer`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case let e: return .failed(SocketError(call: "read", errno: e))
            }
        }
    }

    /// sendmsg(2) of up to two buffers at once (a head and a body: one system call, and with
    /// TCP_NODELAY one segment train). MSG_NOSIGNAL: writing to a connection the peer has reset
    /// fails with EPIPE instead of killing the whole process with SIGPIPE.
    static func send(_ fd: Int32, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> IOResult {
        var iov = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
        )
        return withUnsafeMutableBytes(of: &iov) { raw in
            var message = msghdr()
            message.msg_iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            message.msg_iovlen = second.isEmpty ? 1 : 2
            while true {
                let n = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                if n >= 0 { return .bytes(n) }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                case let e: return .failed(SocketError(call: "sendmsg", errno: e))
                }
            }
        }
    }

    /// shutdown(SHUT_WR): send FIN after the queued data; the socket can still be read.
    static func shutdownWrite(_ fd: Int32) throws(SocketError) {
        _ = try Sys.retrying("shutdown(SHUT_WR)") { shutdown(fd, Int32(SHUT_WR)) }
    }

    /// TCP_NODELAY: a response is written whole, so Nagle's algorithm could only delay its
    /// last segment behind the client's delayed ACK (40 ms on Linux). Go sets it by default.
    static func setNoDelay(_ fd: Int32) throws(SocketError) {
        try Sys.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)")
    }
}
