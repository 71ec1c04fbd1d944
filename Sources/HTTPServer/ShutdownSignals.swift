// SIGINT and SIGTERM taken synchronously with sigwait(3) by a thread of our own, rather than by
// an asynchronous handler that could only set a flag (POSIX.1 §2.4.3: little is safe there).
#if canImport(Glibc)
import Glibc
#endif

public enum ShutdownSignals {
    private static func set() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        return signals
    }

    /// Blocks SIGINT and SIGTERM in the calling thread. Threads started afterwards inherit the
    /// mask, so the signals stay pending until `wait()` takes them: call this before starting any.
    public static func block() {
        var signals = set()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Blocks until SIGINT or SIGTERM arrives and returns which.
    public static func wait() -> Int32 {
        var signals = set()
        var received: Int32 = 0
        while sigwait(&signals, &received) != 0 {}
        return received
    }

    /// Starts a thread that calls `handler` with each SIGINT or SIGTERM, in order.
    public static func handle(_ handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        startThread(name: "signals") {
            var count = 0
            while true {
                let signal = wait()
                count += 1
                handler(signal, count)
            }
        }
    }
}
