@testable import TCPSim
import Testing

@Suite struct EventQueueTests {
    /// The queue's order is (time, insertion order), whichever way an event is kept: pushes at the
    /// instant just popped take the FIFO lane, the rest the heap. Checked against a sorted model
    /// over seeded runs that mix both kinds of push with pops.
    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func popsInTimeThenInsertionOrder(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        var q = EventQueue<Int>()
        var model: [(time: Int64, order: Int)] = []
        var now: Int64 = 0
        var next = 0
        var popped = 0
        for _ in 0..<2_000 {
            let r = Int.random(in: 0..<10, using: &rng)
            if r < 6 || model.isEmpty {
                // Half of the pushes at the current instant (the lane), half later (the heap).
                let t = r < 3 ? now : now + Int64.random(in: 0...5, using: &rng)
                q.push(next, at: Instant(us: t))
                model.append((t, next))
                next += 1
            } else {
                let i = model.indices.min { (model[$0].time, model[$0].order) < (model[$1].time, model[$1].order) }!
                let want = model.remove(at: i)
                #expect(q.nextTime == Instant(us: want.time))
                let got = q.pop()
                #expect(got?.0 == Instant(us: want.time) && got?.1 == want.order)
                now = want.time
                popped += 1
            }
            #expect(q.count == model.count)
        }
        #expect(popped > 500)
    }

    /// An event at the current instant scheduled before a lane entry (in the heap, from earlier)
    /// still runs first.
    @Test func heapEntryScheduledEarlierAtTheSameInstantGoesFirst() {
        var q = EventQueue<String>()
        q.push("a", at: Instant(us: 5))
        q.push("b", at: Instant(us: 10))
        q.push("c", at: Instant(us: 10))
        #expect(q.pop()?.1 == "a")
        #expect(q.pop()?.1 == "b")   // now = 10
        q.push("d", at: Instant(us: 10))   // the lane, behind c
        #expect(q.pop()?.1 == "c")
        #expect(q.pop()?.1 == "d")
        #expect(q.isEmpty && q.nextTime == nil)
    }
}
