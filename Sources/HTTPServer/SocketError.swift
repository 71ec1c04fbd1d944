// A failed system call, with errno captured at the call (POSIX: errno is only meaningful right
// after the call that failed, and any later call may overwrite it).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call that failed: which one, and its errno.
public struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call as written in C, `"bind"`, `"epoll_ctl(ADD)"`.
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// Captures the current errno for `call`. Call it first thing after the failure.
    static func last(_ call: String) -> SocketError { SocketError(call: call, errno: Glibc.errno) }

    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}
