/// A FIFO of bytes with O(1) amortized removal from the front: a socket's send or receive buffer.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) { storage.append(contentsOf: bytes) }
    mutating func append(_ bytes: ArraySlice<UInt8>) { storage.append(contentsOf: bytes) }

    /// Bytes [offset, offset+n) from the front, without removing them.
    func peek(offset: Int, count n: Int) -> [UInt8] {
        let s = head + offset
        let e = min(s + n, storage.count)
        guard s < e else { return [] }
        return Array(storage[s..<e])
    }

    mutating func removeFirst(_ n: Int) {
        head += min(n, count)
        if head > 65536, head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() { storage.removeAll(); head = 0 }
}
