/// A binary min-heap of events ordered by (time, insertion order): two events at the same instant
/// run in the order they were scheduled, which makes every run reproducible. The heap holds small
/// plain entries; payloads wait in a slab, so sifting never copies (or retains) them.
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

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextTime: Instant? { heap.first.map { Instant(us: $0.time) } }

    mutating func push(_ payload: consuming Payload, at time: Instant) {
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
        guard let top = heap.first else { return nil }
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
