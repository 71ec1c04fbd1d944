// Connection deadlines: a binary min-heap that also knows where each connection sits in it, so a
// deadline can be moved or removed in O(log n) without leaving stale entries behind.
import HTTPCore

/// Deadlines keyed by file descriptor. Thousands of idle connections each have one, and every
/// request moves its connection's deadline a few times (header, write, idle), so both lookups
/// and updates must be cheap.
struct DeadlineHeap {
    private var heap: [(deadline: MonotonicTime, fd: Int32)] = []
    /// `position[fd]` is the fd's index in `heap`, or -1.
    private var position: [Int] = []

    var count: Int { heap.count }
    var earliest: (deadline: MonotonicTime, fd: Int32)? { heap.first }

    func deadline(of fd: Int32) -> MonotonicTime? {
        let i = index(of: fd)
        return i >= 0 ? heap[i].deadline : nil
    }

    /// Sets, moves or (with nil) removes the deadline of `fd`.
    mutating func set(_ fd: Int32, _ deadline: MonotonicTime?) {
        let i = index(of: fd)
        switch (i >= 0, deadline) {
        case (false, nil):
            return
        case let (false, d?):
            if Int(fd) >= position.count { position += Array(repeating: -1, count: Int(fd) + 1 - position.count + 64) }
            heap.append((d, fd))
            position[Int(fd)] = heap.count - 1
            siftUp(heap.count - 1)
        case let (true, d?):
            let old = heap[i].deadline
            heap[i].deadline = d
            if d < old { siftUp(i) } else { siftDown(i) }
        case (true, nil):
            let last = heap.count - 1
            swapAt(i, last)
            heap.removeLast()
            position[Int(fd)] = -1
            if i < heap.count {
                siftUp(i)
                siftDown(i)
            }
        }
    }

    /// Removes and returns every fd whose deadline is at or before `now`, earliest first.
    mutating func popExpired(_ now: MonotonicTime) -> [Int32] {
        var expired: [Int32] = []
        while let first = heap.first, first.deadline <= now {
            expired.append(first.fd)
            set(first.fd, nil)
        }
        return expired
    }

    private func index(of fd: Int32) -> Int {
        Int(fd) < position.count ? position[Int(fd)] : -1
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        position[Int(heap[i].fd)] = i
        position[Int(heap[j].fd)] = j
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { return }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == i { return }
            swapAt(i, smallest)
            i = smallest
        }
    }
}
