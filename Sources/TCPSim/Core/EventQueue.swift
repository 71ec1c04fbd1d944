/// A binary min-heap of events ordered by (time, insertion order): two events at the same instant
/// run in the order they were scheduled, which makes every run reproducible.
struct EventQueue<Payload> {
    private struct Entry {
        var time: Instant
        var order: UInt64
        var payload: Payload
        func before(_ o: Entry) -> Bool { time < o.time || (time == o.time && order < o.order) }
    }
    private var heap: [Entry] = []
    private var nextOrder: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextTime: Instant? { heap.first?.time }

    mutating func push(_ payload: Payload, at time: Instant) {
        heap.append(Entry(time: time, order: nextOrder, payload: payload))
        nextOrder += 1
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard heap[i].before(heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (Instant, Payload)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let e = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].before(heap[m]) { m = l }
            if r < heap.count, heap[r].before(heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return (e.time, e.payload)
    }
}
