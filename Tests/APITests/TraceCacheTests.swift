import Testing
@testable import API

@Suite struct TraceCacheTests {
    @Test func leastRecentlyUsedGoesFirstWithinEntryAndByteBounds() {
        var c = TraceCache()
        c.maxEntries = 3
        c.maxBytes = 100
        c.maxEntryBytes = 60
        c.put("a", bytes: [1], summaryJSON: "{}")
        c.put("b", bytes: [2], summaryJSON: "{}")
        c.put("c", bytes: [3], summaryJSON: "{}")
        #expect(c.get("a")?.bytes == [1])          // a is now the most recent
        c.put("d", bytes: [4], summaryJSON: "{}")  // evicts b, the least recently used
        #expect(c.get("b") == nil)
        #expect(c.get("a") != nil && c.get("c") != nil && c.get("d") != nil)
        #expect(c.count == 3)

        c.put("big", bytes: Array(repeating: 0, count: 61), summaryJSON: "{}")   // over the entry bound: not kept
        #expect(c.get("big") == nil)
        c.put("e", bytes: Array(repeating: 0, count: 60), summaryJSON: "{}")
        c.put("f", bytes: Array(repeating: 0, count: 60), summaryJSON: "{}")     // 120 > 100 bytes: e goes
        #expect(c.get("e") == nil && c.get("f") != nil)
        #expect(c.byteCount <= 100)
    }
}
