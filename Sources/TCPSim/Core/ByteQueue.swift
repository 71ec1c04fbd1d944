/// A FIFO of bytes kept as the chunks it was appended in: appending and consuming never move the
/// bytes already queued (a socket's send or receive buffer).
struct ByteQueue {
    private var chunks: [ArraySlice<UInt8>] = []
    private var first = 0          // index of the first live chunk
    private var headOffset = 0     // bytes consumed from chunks[first]
    private(set) var count = 0
    /// Where the last peek started looking: a chunk index and that chunk's offset from the front.
    /// Senders peek at increasing offsets, so the next search starts here instead of at the front.
    private var hintChunk = 0
    private var hintStart = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        chunks.append(bytes)
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) { append(bytes[...]) }

    /// Bytes [offset, offset+n) from the front, without removing them. Within one chunk this is a
    /// slice of it (no copy); across chunks the bytes are gathered.
    mutating func peek(offset: Int, count n: Int) -> ArraySlice<UInt8> {
        var want = min(n, count - offset)
        guard want > 0 else { return [] }
        var skip = offset + headOffset
        var i = first
        if hintChunk >= first, hintChunk < chunks.count, offset >= hintStart {
            i = hintChunk
            skip = offset - hintStart
        }
        while i < chunks.count, skip >= chunks[i].count {
            skip -= chunks[i].count
            i += 1
        }
        hintChunk = i
        hintStart = offset - skip
        let c0 = chunks[i]
        if skip + want <= c0.count { return c0[(c0.startIndex + skip)..<(c0.startIndex + skip + want)] }
        var out = [UInt8]()
        out.reserveCapacity(want)
        while want > 0, i < chunks.count {
            let c = chunks[i]
            let take = min(want, c.count - skip)
            out.append(contentsOf: c[(c.startIndex + skip)..<(c.startIndex + skip + take)])
            want -= take
            skip = 0
            i += 1
        }
        return out[...]
    }

    mutating func removeFirst(_ n: Int) {
        var left = min(n, count)
        hintStart -= left   // logical offsets shift down by what is consumed
        count -= left
        while left > 0 {
            let avail = chunks[first].count - headOffset
            if left >= avail {
                left -= avail
                chunks[first] = []
                first += 1
                headOffset = 0
            } else {
                headOffset += left
                left = 0
            }
        }
        if first > 64 && first * 2 > chunks.count {
            chunks.removeFirst(first)
            hintChunk -= first
            first = 0
        }
        if count == 0 { chunks.removeAll(keepingCapacity: true); first = 0; headOffset = 0; hintChunk = -1 }
    }

    mutating func removeAll() {
        hintChunk = -1
        chunks.removeAll()
        first = 0
        headOffset = 0
        count = 0
    }
}
