/// A token bucket per client (RFC 6585 §4's 429 is what an empty bucket answers). Pure: the
/// caller passes the time, so tests drive it with made-up instants.
///
/// Each client starts with `burst` tokens; a request takes one; tokens come back at
/// `perMinute / 60` per second up to `burst`. When the table of clients grows past `maxClients`,
/// clients whose buckets are full again (they have been quiet long enough) are forgotten first.
public struct RateLimiter: Sendable {
    public var burst: Double
    public var perMinute: Double
    public var maxClients: Int
    private var buckets: [String: (tokens: Double, at: Double)] = [:]

    public init(burst: Double = 10, perMinute: Double = 30, maxClients: Int = 10_000) {
        self.burst = burst
        self.perMinute = perMinute
        self.maxClients = maxClients
    }

    /// Takes a token for `client` at `now` (seconds). Returns nil when the request may go ahead,
    /// otherwise the seconds until a token is available (for `Retry-After`).
    public mutating func take(client: String, now: Double) -> Double? {
        let rate = perMinute / 60
        var bucket = buckets[client] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            if buckets[client] == nil && buckets.count >= maxClients { evict(now: now) }
            buckets[client] = bucket
            return nil
        }
        buckets[client] = bucket
        return rate > 0 ? (1 - bucket.tokens) / rate : .infinity
    }

    public var clientCount: Int { buckets.count }

    private mutating func evict(now: Double) {
        let rate = perMinute / 60
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.at) * rate < burst }
        if buckets.count >= maxClients {
            // Everyone is active: forget the oldest half rather than grow without bound.
            let keep = buckets.sorted { $0.value.at > $1.value.at }.prefix(maxClients / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
