/// A binary min-heap of events ordered by (time, insertion order): two events at the same instant
/// run in the order they were scheduled, which makes every run reproducible. The heap holds small
/// plain entries; payloads wait in a slab, so sifting never copies (or retains) them.
///
/// Events scheduled for the current instant (the time of the latest pop), such as the wake-up
/// after every arriving segment, skip the heap: they wait in a FIFO lane, which is already in
/// (time, insertion order) because they share the instant, and `pop` takes whichever head comes
/// first. The order of events is exactly the heap's.
struct EventQueue<Payload> {
    private struct Entry {
        var time: Int64
        var order: UInt64
        var slot: Int
        @inline(__always) func before(_ o: Entry) -> Bool { time < o.time || (time == o.time && order < o.order) }
    }
    private var heap: [Entry] = []
    private var payloads = Slab<Payload>()
    private var nextOrder: UInt64 = 0
    /// The lane: entries at `current`, oldest first from `laneHead`; payloads inline.
    private var lane: [(order: UInt64, payload: Payload?)] = []
    private var laneHead = 0
    /// The time of the latest pop.
    private var current = Int64.min

    var isEmpty: Bool { heap.isEmpty && laneHead == lane.count }
    var count: Int { heap.count + lane.count - laneHead }
    var nextTime: Instant? {
        laneHead < lane.count ? Instant(us: current) : heap.first.map { Instant(us: $0.time) }
    }

    mutating func push(_ payload: consuming Payload, at time: Instant) {
        if time.us == current {
            lane.append((nextOrder, payload))
            nextOrder &+= 1
            return
        }
        heap.append(Entry(time: time.us, order: nextOrder, slot: payloads.insert(payload)))
        nextOrder &+= 1
        var i = heap.count - 1
        let e = heap[i]
        while i > 0 {
            let p = (i - 1) >> 1
            guard e.before(heap[p]) else { break }
            heap[i] = heap[p]
            i = p
        }
        heap[i] = e
    }

    mutating func pop() -> (Instant, Payload)? {
        if laneHead < lane.count {
            // Lane entries are at `current`: the lane goes first unless the heap's head is earlier
            // (a push into the past, which the simulator never makes) or shares the instant and
            // was scheduled earlier.
            if let top = heap.first, top.time < current || (top.time == current && top.order < lane[laneHead].order) {
                return popHeap()
            }
            let p = lane[laneHead].payload.take()!
            laneHead += 1
            if laneHead == lane.count { lane.removeAll(keepingCapacity: true); laneHead = 0 }
            return (Instant(us: current), p)
        }
        return popHeap()
    }

    private mutating func popHeap() -> (Instant, Payload)? {
        guard let top = heap.first else { return nil }
        current = top.time
        let last = heap.removeLast()
        if !heap.isEmpty {
            // Sift the last entry down from the root.
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var m = l
                if l + 1 < n, heap[l + 1].before(heap[l]) { m = l + 1 }
                guard heap[m].before(last) else { break }
                heap[i] = heap[m]
                i = m
            }
            heap[i] = last
        }
        return (Instant(us: top.time), payloads.take(top.slot))
    }
}
