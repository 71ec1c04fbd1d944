/// The out-of-order queue (Linux tp->out_of_order_queue): segments above RCV.NXT, sorted by seq.
/// Their sequence ranges and their memory charge are kept beside them, so the per-ACK questions
/// (SACK blocks, rmem_alloc) read plain numbers instead of copying segments.
struct OfoQueue {
    private(set) var segments: [Segment] = []
    /// [seq, end_seq) of each queued segment, in the same order.
    private(set) var ranges: [(seq: SeqNum, end: SeqNum)] = []
    /// Sum of the queued segments' truesize (their share of sk_rmem_alloc).
    private(set) var truesize = 0

    var isEmpty: Bool { segments.isEmpty }
    var first: Segment? { segments.first }

    /// Queues a segment in seq order; an exact duplicate (same seq and length) is not queued twice
    /// (tcp_data_queue_ofo() drops a segment the queue already holds; the endpoint D-SACKs it).
    mutating func insert(_ seg: Segment) {
        let end = seg.endSeq
        if ranges.contains(where: { $0.seq == seg.seq && $0.end == end }) { return }
        let i = ranges.firstIndex(where: { $0.seq > seg.seq }) ?? ranges.count
        segments.insert(seg, at: i)
        ranges.insert((seg.seq, end), at: i)
        truesize += Endpoint.truesize(seg.len)
    }

    mutating func removeFirst() {
        truesize -= Endpoint.truesize(segments[0].len)
        segments.removeFirst()
        ranges.removeFirst()
    }

    mutating func removeAll() {
        segments.removeAll()
        ranges.removeAll()
        truesize = 0
    }
}
