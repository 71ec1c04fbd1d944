import Testing
@testable import API

@Suite struct BoundedCacheTests {
    @Test func leastRecentlyUsedGoesFirstWithinEntryAndByteBounds() {
        var c = BoundedCache<[UInt8]>()
        c.maxEntries = 3
        c.maxBytes = 100
        c.maxEntryBytes = 60
        c.put("a", [1], cost: 1)
        c.put("b", [2], cost: 1)
        c.put("c", [3], cost: 1)
        #expect(c.get("a") == [1])          // a is now the most recent
        c.put("d", [4], cost: 1)  // evicts b, the least recently used
        #expect(c.get("b") == nil)
        #expect(c.get("a") != nil && c.get("c") != nil && c.get("d") != nil)
        #expect(c.count == 3)

        c.put("big", Array(repeating: 0, count: 61), cost: 61)   // over the entry bound: not kept
        #expect(c.get("big") == nil)
        c.put("e", Array(repeating: 0, count: 60), cost: 60)
        c.put("f", Array(repeating: 0, count: 60), cost: 60)     // 120 > 100 bytes: e goes
        #expect(c.get("e") == nil && c.get("f") != nil)
        #expect(c.byteCount <= 100)
    }
}
