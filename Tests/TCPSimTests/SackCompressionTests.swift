import Foundation
import TCPSim
import Testing

/// How Linux 6.18 acknowledges out-of-order data (tcp_data_queue_ofo(), __tcp_ack_snd_check(),
/// tcp_compressed_ack_kick(), tcp_event_ack_sent()); checked on this machine's kernel with
/// Tests/KernelCaptures/extra/sack_compression.py (sack-compression.json): no quick-ACK mode for
/// out-of-order data; with SACK three immediate duplicate ACKs per rcv_nxt (the capture's `lock_qa0`
/// variant; with quick-ACK state left over from window growth, `lock`, the kernel sent a fourth
/// first, which these runs do not have), then one ACK per
/// compressed-ACK timer (min(1 ms, 5 % of the RTT) + 100 µs slack) or per tcp_comp_sack_nr + 1
/// segments; without SACK a duplicate ACK for every segment; the ACK for the retransmission that
/// fills the hole goes at once.
@Suite struct SackCompressionTests {
    /// 1 MB over 100 Mbit/s (a full segment every 120 µs), 20 ms each way; the 300th data segment
    /// is lost once. The server's receive buffer stops growing early (tcp_rmem max 256 KB), so
    /// window growth puts it in quick-ACK mode no more (tcp_grow_window()).
    static func run(clientSysctls: String = "{}", serverSysctls: String = "{}", lose: [Int] = [300]) throws -> Trace {
        let server = serverSysctls == "{}" ? #"{"tcp_rmem": [4096, 262144, 262144]}"#
            : serverSysctls.replacingOccurrences(of: "{", with: #"{"tcp_rmem": [4096, 262144, 262144], "#)
        return try clientServerRun(duration: 2, clientSysctls: clientSysctls, serverSysctls: server,
                                   link: #""delay": "20ms", "rate": "100Mbit""#,
                                   rules: lose.map { #"{"from": "client", "data": true, "nth": \#($0), "action": "drop"}"# }.joined(separator: ", "), """
          {"at": 0, "host": "server", "socket": "conn", "call": "read", "until": "eof"},
          {"at": 0.1, "host": "client", "socket": "c", "call": "write", "bytes": 1000000},
          {"at": 0.1, "host": "client", "socket": "c", "call": "close"}
        """)
    }

    /// The hole, the out-of-order arrivals at the server (time, end), the arrival of the
    /// retransmission that fills it, and the server's ACKs in between (time, ack, SACK right edge).
    struct Hole {
        var seq: Int64
        var arrivals: [(t: Double, end: Int64)]
        var filledAt: Double
        var acks: [(t: Double, ack: Int64, sackEnd: Int64?)]
    }

    static func hole(_ t: Trace) throws -> Hole {
        let segs = segments(t)
        let lost = try #require(segs.first { $0.from == "client" && $0.arrives == nil && $0.len > 0 })
        let fill = try #require(segs.first { $0.from == "client" && $0.seq == lost.seq && $0.arrives != nil && $0.t > lost.t })
        let filledAt = fill.arrives!
        let arrivals = segs.filter { $0.from == "client" && $0.seq > lost.seq && $0.len > 0 && $0.arrives != nil && $0.arrives! < filledAt }
            .map { (t: $0.arrives!, end: $0.seq + Int64($0.len)) }
        // SACK blocks are raw sequence numbers: make them relative like seq (the client's ISN).
        let first = try #require(jsonEvents(t).first { $0["type"]?.stringValue == "segment" && $0["from"]?.stringValue == "client" })
        let isn = first["rawSeq"]!.intValue! - first["seq"]!.intValue!
        let acks = segs.filter { $0.from == "server" && $0.t >= arrivals[0].t && $0.t <= filledAt }
            .map { s -> (t: Double, ack: Int64, sackEnd: Int64?) in
                let edges = s.options["sack"]?.arrayValue?.compactMap { $0.arrayValue?.last?.intValue }
                return (s.t, s.ack ?? 0, edges?.map { ($0 - isn + (1 << 32)) % (1 << 32) }.max())
            }
        return Hole(seq: lost.seq, arrivals: arrivals, filledAt: filledAt, acks: acks)
    }

    static func fmt(_ acks: [(t: Double, ack: Int64, sackEnd: Int64?)]) -> [String] {
        acks.map { String(format: "%.6f", $0.t) + " ack \($0.ack) sack-end \($0.sackEnd.map(String.init) ?? "-")" }
    }

    /// The kernel's rule replayed over the arrivals: three immediate ACKs, then an ACK when the timer
    /// armed by the first unacknowledged arrival fires (1.1 ms later), or at the (nr + 1)-th owed
    /// arrival, whichever comes first. Each ACK's SACK block ends at the newest arrival so far.
    static func expected(_ h: Hole, nr: Int, timer: Double) -> [(t: Double, ack: Int64, sackEnd: Int64?)] {
        var out: [(t: Double, ack: Int64, sackEnd: Int64?)] = []
        var owed = 0
        var armedAt: Double? = nil
        var lastEnd: Int64 = 0
        for (i, a) in h.arrivals.enumerated() {
            if let at = armedAt, at + timer <= a.t {   // the timer fired before this arrival
                out.append((at + timer, h.seq, lastEnd))
                owed = 0
                armedAt = nil
            }
            lastEnd = a.end
            if i < 3 { out.append((a.t, h.seq, a.end)); continue }
            if owed >= nr { out.append((a.t, h.seq, a.end)); owed = 0; armedAt = nil; continue }
            owed += 1
            if armedAt == nil { armedAt = a.t }
        }
        if let at = armedAt, at + timer <= h.filledAt { out.append((at + timer, h.seq, lastEnd)) }
        return out
    }

    @Test func threeDupAcksThenOnePerCompressedAckTimer() throws {
        let h = try Self.hole(try Self.run())
        #expect(h.arrivals.count > 100)
        let before = h.acks.filter { $0.t < h.filledAt }
        // min(1 ms, 5 % of the 40 ms RTT) + 100 µs slack.
        #expect(Self.fmt(before) == Self.fmt(Self.expected(h, nr: 44, timer: 0.0011)))
        #expect(before.count < h.arrivals.count / 5)
        // The retransmission fills the hole: ACKed at once, past everything received, no SACK.
        let fill = h.acks.filter { $0.t == h.filledAt }
        #expect(fill.first.map { $0.ack == h.arrivals.last!.end && $0.sackEnd == nil } == true)
    }

    /// tcp_comp_sack_nr = 4: an ACK at every fifth owed segment (five arrive in 0.6 ms, before the timer).
    @Test func compSackNrBoundsTheOwedAcks() throws {
        let h = try Self.hole(try Self.run(serverSysctls: #"{"tcp_comp_sack_nr": 4}"#))
        let before = h.acks.filter { $0.t < h.filledAt }
        #expect(Self.fmt(before) == Self.fmt(Self.expected(h, nr: 4, timer: 0.0011)))
        #expect(before.count > h.arrivals.count / 6)
    }

    /// Without SACK (the client does not offer it) there is nothing to compress: a duplicate ACK for
    /// every out-of-order segment, at its arrival.
    @Test func withoutSackEverySegmentGetsADuplicateAck() throws {
        let h = try Self.hole(try Self.run(clientSysctls: #"{"tcp_sack": 0}"#))
        let before = h.acks.filter { $0.t < h.filledAt }
        #expect(Self.fmt(before) == Self.fmt(h.arrivals.map { ($0.t, h.seq, nil) }))
    }

    /// Three holes: SACK blocks go most recently changed first (tp->selective_acks), and when new data
    /// opens a third block while compressed ACKs are owed, they go at once, before the new block is
    /// added (tcp_sack_new_ofo_skb() → tcp_sack_compress_send_ack()): the sender hears of every hole.
    @Test func aThirdHoleSendsTheOwedAckAtOnceAndBlocksGoNewestFirst() throws {
        let t = try Self.run(lose: [300, 320, 340])
        let segs = segments(t)
        let lost = segs.filter { $0.from == "client" && $0.arrives == nil && $0.len > 0 }.map(\.seq)
        #expect(lost.count == 3)
        let first = try #require(jsonEvents(t).first { $0["type"]?.stringValue == "segment" && $0["from"]?.stringValue == "client" })
        let isn = first["rawSeq"]!.intValue! - first["seq"]!.intValue!
        func blocks(_ s: Seg) -> [[Int64]] {
            (s.options["sack"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap { $0.intValue.map { ($0 - isn + (1 << 32)) % (1 << 32) } } }
        }
        // The data just past the third hole, and the server's ACKs from its arrival on.
        let past = try #require(segs.first { $0.from == "client" && $0.seq == lost[2] + 1448 && $0.arrives != nil })
        let acks = segs.filter { $0.from == "server" && $0.t >= past.arrives! }
        let flush = try #require(acks.first)
        #expect(flush.t == past.arrives!)
        #expect(blocks(flush) == [[lost[1] + 1448, lost[2]], [lost[0] + 1448, lost[1]]])
        let next = try #require(acks.dropFirst().first)
        #expect(next.t > flush.t && blocks(next).count == 3)
        #expect(blocks(next).dropFirst().map { $0 } == [[lost[1] + 1448, lost[2]], [lost[0] + 1448, lost[1]]])
        #expect(blocks(next).first?.first == lost[2] + 1448)
    }
}
