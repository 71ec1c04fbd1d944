// Time as the connection sees it: instants handed in by the caller, never read from a clock here.

/// A reading of a monotonic clock, in nanoseconds since an arbitrary origin. Deadlines are
/// computed on it; wall-clock jumps (NTP, the admin) cannot move them.
public struct MonotonicTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func milliseconds(_ ms: Int64) -> MonotonicTime { MonotonicTime(nanoseconds: ms * 1_000_000) }

    public static func < (a: MonotonicTime, b: MonotonicTime) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (t: MonotonicTime, d: Duration) -> MonotonicTime {
        MonotonicTime(nanoseconds: t.nanoseconds &+ d.nanoseconds)
    }

    public static func - (a: MonotonicTime, b: MonotonicTime) -> Duration {
        .nanoseconds(a.nanoseconds &- b.nanoseconds)
    }

    public var description: String { "\(Double(nanoseconds) / 1e6) ms" }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating far beyond any timeout we use).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : ns &+ attoseconds / 1_000_000_000
    }
}

/// What a connection needs to know about "now": the monotonic instant for its deadlines, and
/// the wall-clock second as an HTTP-date for the `Date` field (RFC 9110 §6.6.1).
public struct ClockReading: Hashable, Sendable {
    public var monotonic: MonotonicTime
    public var httpDate: String

    public init(monotonic: MonotonicTime, httpDate: String) {
        self.monotonic = monotonic
        self.httpDate = httpDate
    }
}
