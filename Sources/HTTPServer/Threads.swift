// POSIX threads, a mutex with a condition variable, and the monotonic and wall clocks: the
// few primitives the event loop and the worker pool are built on.
#if canImport(Glibc)
import Glibc
import CLinux
#endif
import HTTPCore

/// A pthread mutex and condition variable pair. The condition waits on CLOCK_MONOTONIC, so a
/// timed wait is not stretched or cut short when someone sets the wall clock.
final class ConditionLock: @unchecked Sendable {
    // Sendable: every access to the protected state happens between lock() and unlock().
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a signal; the caller holds the lock (inside `withLock`) and rechecks its
    /// condition afterwards, since wakeups may be spurious.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits until signalled or `deadline`; false once the deadline has passed.
    func wait(until deadline: MonotonicTime) -> Bool {
        var ts = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex, &ts) != ETIMEDOUT
    }

    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}

/// Starts a detached POSIX thread running `body`. Named (≤ 15 bytes) so `top -H` and `gdb`
/// say which is which.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(_ name: String, _ body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
    }
    let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        pthread_setname_np(pthread_self(), String(box.name.prefix(15)))
        box.body()
        return nil
    }, box)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    pthread_detach(thread)
}

/// The clocks, read only here.
enum SystemClock {
    /// CLOCK_MONOTONIC: for deadlines; never jumps.
    static func monotonic() -> MonotonicTime {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicTime(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    /// CLOCK_REALTIME seconds: for the Date field only.
    static func unixSeconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}

/// The `Date` field value, formatted once per second rather than once per response (as nginx
/// and Go do).
struct DateCache {
    private var second: Int64 = .min
    private(set) var value = ""

    mutating func update() -> String {
        let now = SystemClock.unixSeconds()
        if now != second {
            second = now
            value = HTTPDate.format(unixSeconds: now)
        }
        return value
    }
}
