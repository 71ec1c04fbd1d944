// Readiness notification behind a small interface: epoll(7) on Linux. A kqueue(2) poller
// (EVFILT_READ / EVFILT_WRITE with EV_CLEAR for edge triggering, EVFILT_USER for the wakeup)
// would implement the same protocol.
#if canImport(Glibc)
import Glibc
import CLinux
#endif

/// What a descriptor became ready for.
struct ReadinessEvent: Equatable {
    var fd: Int32
    var readable: Bool
    var writable: Bool
    /// EPOLLERR / EPOLLHUP: the next read or write will report what happened.
    var failed: Bool
}

/// How a descriptor is watched.
enum Interest: Equatable {
    /// Connections: reads and writes, edge-triggered. An event says the socket *became* readable
    /// or writable; the loop remembers it and reads or writes until EAGAIN. Registered once, at
    /// accept, so no system call is spent re-arming interest for every request.
    case readWriteEdgeTriggered
    /// The listener: level-triggered reads, so a connection left in the accept queue (when we
    /// are at our connection limit) is reported again later.
    case readLevelTriggered
    /// Registered but not reported (a paused listener).
    case none
}

/// A readiness poller: register descriptors, wait for events, be woken from another thread.
protocol Poller: AnyObject {
    func register(_ fd: Int32, _ interest: Interest) throws(SocketError)
    func modify(_ fd: Int32, _ interest: Interest) throws(SocketError)
    func deregister(_ fd: Int32) throws(SocketError)
    /// Blocks until an event, a wakeup, or the timeout (nil: no timeout). Returns the events
    /// and whether `wakeup()` was called since the last wait.
    func wait(timeout: Duration?, into events: inout [ReadinessEvent]) throws(SocketError) -> Bool
    /// Makes a current or the next `wait` return. Safe from any thread.
    func wakeup()
    func close()
}

#if os(Linux)
/// epoll(7), with an eventfd(2) for wakeups.
final class EpollPoller: Poller, @unchecked Sendable {
    // Sendable: the epoll and eventfd descriptors are only written through system calls, which
    // the kernel serialises; `wakeup()` is the one call made from other threads.
    let epfd: Int32
    let wakeupFD: Int32
    private var buffer: [epoll_event]

    init(maxEvents: Int = 1024) throws(SocketError) {
        epfd = try Sys.retrying("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wakeupFD = try Sys.retrying("eventfd") { eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) }
        } catch {
            Sys.close(epfd)
            throw error
        }
        buffer = Array(repeating: epoll_event(), count: maxEvents)
        try control(Int(EPOLL_CTL_ADD), wakeupFD, EPOLLIN.rawValue, "epoll_ctl(ADD eventfd)")
    }

    private func mask(_ interest: Interest) -> UInt32 {
        switch interest {
        case .readWriteEdgeTriggered: return EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLET.rawValue
        case .readLevelTriggered: return EPOLLIN.rawValue
        case .none: return 0
        }
    }

    private func control(_ op: Int, _ fd: Int32, _ events: UInt32, _ call: String) throws(SocketError) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = try Sys.retrying(call) { epoll_ctl(epfd, Int32(op), fd, &event) }
    }

    func register(_ fd: Int32, _ interest: Interest) throws(SocketError) {
        try control(Int(EPOLL_CTL_ADD), fd, mask(interest), "epoll_ctl(ADD)")
    }

    func modify(_ fd: Int32, _ interest: Interest) throws(SocketError) {
        try control(Int(EPOLL_CTL_MOD), fd, mask(interest), "epoll_ctl(MOD)")
    }

    /// Closing a descriptor removes it from the epoll set (once no duplicate of it remains), so
    /// the loop calls this only for descriptors it keeps open.
    func deregister(_ fd: Int32) throws(SocketError) {
        try control(Int(EPOLL_CTL_DEL), fd, 0, "epoll_ctl(DEL)")
    }

    func wait(timeout: Duration?, into events: inout [ReadinessEvent]) throws(SocketError) -> Bool {
        events.removeAll(keepingCapacity: true)
        // Round up, so that we never wake a millisecond early and spin until the deadline.
        let ms: Int32 = timeout.map { Int32(clamping: ($0.nanoseconds + 999_999) / 1_000_000) } ?? -1
        let n = buffer.withUnsafeMutableBufferPointer { b in
            epoll_wait(epfd, b.baseAddress, Int32(b.count), max(ms, -1))
        }
        if n < 0 {
            if errno == EINTR { return false }  // a signal: the caller loops and waits again
            throw SocketError.last("epoll_wait")
        }
        var woken = false
        for i in 0..<Int(n) {
            let e = buffer[i]
            if e.data.fd == wakeupFD {
                var value: UInt64 = 0
                _ = Glibc.read(wakeupFD, &value, 8)  // resets the counter
                woken = true
                continue
            }
            events.append(ReadinessEvent(
                fd: e.data.fd,
                readable: e.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
                writable: e.events & EPOLLOUT.rawValue != 0,
                failed: e.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
            ))
        }
        return woken
    }

    func wakeup() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeupFD, &one, 8)  // EAGAIN only if the counter is saturated: still woken
    }

    func close() {
        Sys.close(wakeupFD)
        Sys.close(epfd)
    }
}
#endif
