/// Virtual time in microseconds since the start of a simulation. Nothing in TCPSim reads a real clock.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var us: Int64
    public init(us: Int64) { self.us = us }
    public static let zero = Instant(us: 0)
    public static func < (a: Instant, b: Instant) -> Bool { a.us < b.us }
    public static func + (a: Instant, d: TimeSpan) -> Instant { Instant(us: a.us + d.us) }
    public static func - (a: Instant, b: Instant) -> TimeSpan { TimeSpan(us: a.us - b.us) }
    public static func - (a: Instant, d: TimeSpan) -> Instant { Instant(us: a.us - d.us) }
    /// Seconds, as the trace writes them.
    public var seconds: Double { Double(us) / 1_000_000 }
    /// Milliseconds, truncated (the timestamp option's clock, Linux's tcp_time_stamp_ms()).
    public var ms: Int64 { us / 1000 }
    public var description: String { formatSeconds(us) }
}

/// A span of virtual time in microseconds.
public struct TimeSpan: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var us: Int64
    public init(us: Int64) { self.us = us }
    public static func us(_ v: Int64) -> TimeSpan { TimeSpan(us: v) }
    public static func ms(_ v: Int64) -> TimeSpan { TimeSpan(us: v * 1000) }
    public static func seconds(_ v: Int64) -> TimeSpan { TimeSpan(us: v * 1_000_000) }
    public static let zero = TimeSpan(us: 0)
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.us < b.us }
    public static func + (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(us: a.us + b.us) }
    public static func - (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(us: a.us - b.us) }
    public static func * (a: TimeSpan, k: Int64) -> TimeSpan { TimeSpan(us: a.us * k) }
    public static func / (a: TimeSpan, k: Int64) -> TimeSpan { TimeSpan(us: a.us / k) }
    public var seconds: Double { Double(us) / 1_000_000 }
    public var description: String { formatDuration(us) }

    /// Parses "20ms", "1.5s", "300us", "2m", "1h" or a bare number of seconds.
    public static func parse(_ text: String) -> TimeSpan? {
        let units: [(String, Double)] = [("us", 1), ("µs", 1), ("ms", 1000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
        let t = text.trimmingSpaces
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            let num = String(t.dropLast(suffix.count)).trimmingSpaces
            guard let v = Double(num), v >= 0, let us = roundedInt64(v * scale) else { return nil }
            return TimeSpan(us: us)
        }
        guard let v = Double(t), v >= 0, let us = roundedInt64(v * 1_000_000) else { return nil }
        return TimeSpan(us: us)
    }

    /// Seconds as a Double, converted to whole microseconds (clamped to what an Int64 holds).
    public static func fromSeconds(_ v: Double) -> TimeSpan {
        TimeSpan(us: roundedInt64(v * 1_000_000) ?? (v < 0 ? Int64.min : Int64.max))
    }
}

/// `d` rounded to an Int64, or nil when it is not finite or does not fit (Int64(Double) traps).
func roundedInt64(_ d: Double) -> Int64? {
    Int64(exactly: d.rounded())
}

extension TimeSpan {
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

/// "1.234567" with six decimals: the text ladder's time column.
public func formatSeconds(_ us: Int64) -> String {
    let neg = us < 0
    let a = us.magnitude
    let frac = String(a % 1_000_000)
    return (neg ? "-" : "") + "\(a / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
}

/// A compact human duration: "40ms", "1s", "1.5s", "250us".
public func formatDuration(_ us: Int64) -> String {
    if us % 1_000_000 == 0 { return "\(us / 1_000_000)s" }
    if us % 1000 == 0 {
        let ms = us / 1000
        return ms >= 1000 ? "\(Double(ms) / 1000)s" : "\(ms)ms"
    }
    return "\(us)us"
}
