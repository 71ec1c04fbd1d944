import Testing
@testable import API

@Suite struct RateLimiterTests {
    @Test func burstThenRefillAtTheRate() {
        var l = RateLimiter(burst: 3, perMinute: 60)   // one token a second
        for _ in 0..<3 { #expect(l.take(client: "a", now: 0) == nil) }
        #expect(l.take(client: "a", now: 0) == 1)      // empty: one second until a token
        #expect(l.take(client: "b", now: 0) == nil)    // other clients are not affected
        #expect(l.take(client: "a", now: 0.5) == 0.5)
        #expect(l.take(client: "a", now: 1.0) == nil)
        #expect(l.take(client: "a", now: 1.0) == 1)
        #expect(l.take(client: "a", now: 100) == nil)  // refilled, but never beyond the burst
        #expect(l.take(client: "a", now: 100) == nil)
        #expect(l.take(client: "a", now: 100) == nil)
        #expect(l.take(client: "a", now: 100) != nil)
    }

    @Test func clientTableIsBounded() {
        var l = RateLimiter(burst: 2, perMinute: 60, maxClients: 100)
        for i in 0..<1000 { _ = l.take(client: "c\(i)", now: Double(i)) }
        #expect(l.clientCount <= 100)
    }
}
