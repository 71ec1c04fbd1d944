// The few system services the API needs that the simulator must never touch: a mutex, the
// monotonic and wall clocks, and unpredictable tokens.
import Store
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex around some state.
final class Locked<State>: @unchecked Sendable {
    // Sendable: `state` is only touched between lock and unlock.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var state: State

    init(_ state: State) {
        self.state = state
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}

enum SystemClock {
    /// Seconds on CLOCK_MONOTONIC (never jumps when someone sets the wall clock).
    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The wall clock as RFC 3339 in UTC with milliseconds: `2026-11-24T21:30:05.123Z`.
    static func rfc3339() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

enum Tokens {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)   // RFC 4648 base32, lower case

    /// `count` characters of base32 from the system's CSPRNG (5 bits each): run ids use 16
    /// (80 bits), delete tokens 32 (160 bits).
    static func random(_ count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        var chars: [UInt8] = []
        chars.reserveCapacity(count)
        var bits: UInt64 = 0, available = 0
        while chars.count < count {
            if available < 5 { bits = g.next(); available = 64 }
            chars.append(alphabet[Int(bits & 31)])
            bits >>= 5
            available -= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// The stored form of a delete token: FNV-1a 64 over a fixed salt and the token, in hex. Not
    /// a password hash (the token is 160 random bits, not a human secret); it keeps the token
    /// itself out of the database file and its backups.
    static func hash(_ token: String) -> String {
        FNV1a.hex("tcplab-delete-token:".utf8, token.utf8)
    }

    /// Compares without an early exit, so the time taken does not say how much matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
