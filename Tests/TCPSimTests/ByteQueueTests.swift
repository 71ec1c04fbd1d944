@testable import TCPSim
import Testing

@Suite struct ByteQueueTests {
    // Peeks at any offset return the right bytes, whatever was consumed and however chunks fall.
    @Test func peeksAcrossChunksAndConsumption() {
        var q = ByteQueue()
        var model: [UInt8] = []
        var g = SeededGenerator(seed: 3)
        for round in 0..<400 {
            let n = Int(g.next() % 300)
            let chunk = (0..<n).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            q.append(chunk)
            model += chunk
            for _ in 0..<3 where !model.isEmpty {
                let off = Int(g.next() % UInt64(model.count))
                let len = Int(g.next() % 200)
                #expect(Array(q.peek(offset: off, count: len)) == Array(model[off..<min(model.count, off + len)]))
            }
            let eat = Int(g.next() % UInt64(max(1, model.count / 2 + 1)))
            q.removeFirst(eat)
            model.removeFirst(min(eat, model.count))
            #expect(q.count == model.count)
        }
    }
}
