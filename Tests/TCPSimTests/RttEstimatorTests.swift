@testable import TCPSim
import Testing

/// tcp_rtt_estimator() and tcp_set_rto() (net/ipv4/tcp_input.c), worked by hand in µs: srtt_us holds
/// 8·srtt, mdev_us 4·mdev; rttvar_us follows the round trip's largest mdev (at least tcp_rto_min)
/// and decays once per round trip (rtt_seq); RTO = srtt + rttvar.
@Suite struct RttEstimatorTests {
    static func endpoint() -> Endpoint {
        let a = SocketAddress(IPv4(0x0A00_0001), 1000), b = SocketAddress(IPv4(0x0A00_0002), 2000)
        let ep = Endpoint(host: "h", name: "s", tuple: FourTuple(local: a, remote: b), sysctls: Sysctls(), opts: SocketOptions())
        ep.sndUna = SeqNum(100)
        ep.sndNxt = SeqNum(200)
        return ep
    }

    @Test func linuxEstimatorByHand() {
        let ep = Self.endpoint()
        // First sample, 100 ms: srtt 100 ms, mdev_us = 2·m = 200 ms, rttvar = max(200, rto_min 200)
        // = 200 ms, RTO 300 ms (as RFC 6298's 3·RTT rule would give); rtt_seq = snd_nxt (200).
        ep.rttUpdate(.ms(100))
        #expect(ep.srtt == 100_000 && ep.rttvar == 200_000 && ep.rto == .ms(300))
        // 20 ms, the RTT falls: error −80 ms, srtt 90 ms; |error| − mdev/4 = 80 − 50 = 30 ms, and a
        // falling RTT counts 1/8 of it: mdev_us = 200 + 3.75 = 203.75 ms, the round's new maximum, so
        // rttvar 203.75 ms; RTO 293.75 ms. (RFC 6298 would say 90 + 4·57.5 = 320 ms.)
        ep.sndUna = SeqNum(150)
        ep.rttUpdate(.ms(20))
        #expect(ep.srtt == 90_000 && ep.mdevUs == 203_750 && ep.rttvar == 203_750 && ep.rto == TimeSpan(us: 293_750))
        // 100 ms after snd_una passed rtt_seq: error +10 ms, srtt 91.25 ms; mdev_us = 203.75 +
        // (10 − 50.9375) = 162.8125 ms. The round ends: rttvar keeps the round's maximum (203.75 ms,
        // not below it), mdev_max resets to rto_min and rtt_seq to snd_nxt. RTO 295 ms.
        ep.sndUna = SeqNum(250)
        ep.sndNxt = SeqNum(300)
        ep.rttUpdate(.ms(100))
        #expect(ep.srtt == 91_250 && ep.mdevUs == 162_813 && ep.rttvar == 203_750 && ep.rto == .ms(295))
        #expect(ep.rttSeq == SeqNum(300) && ep.mdevMaxUs == 200_000)
        // 91.25 ms after the next round's end: error 0; mdev_us = 162.813 − 40.703 = 122.110 ms;
        // rttvar decays by a quarter of its gap to the round's maximum (rto_min): 203.75 − 0.9375 =
        // 202.8125 ms (integer µs: 202,813). RTO 91.25 + 202.813 ms.
        ep.sndUna = SeqNum(350)
        ep.rttUpdate(TimeSpan(us: 91_250))
        #expect(ep.srtt == 91_250 && ep.mdevUs == 122_110 && ep.rttvar == 202_813 && ep.rto == TimeSpan(us: 91_250 + 202_813))
    }

    /// Karn's rule on the in-flight list: a retransmission marks every entry it covers, the one it
    /// starts inside of too (after an ACK that ended mid-segment Linux trims that skb's head and
    /// tags it TCPCB_RETRANS), so none of their ACKs is taken as an RTT sample.
    @Test func aRetransmissionMarksEveryEntryItCovers() {
        let ep = Self.endpoint()
        let t0 = Instant(us: 0), t1 = Instant(us: 500_000)
        ep.recordFlight(seq: SeqNum(1), len: 1000, fin: false, now: t0)
        ep.recordFlight(seq: SeqNum(1001), len: 1000, fin: false, now: t0)
        ep.recordFlight(seq: SeqNum(2001), len: 1000, fin: false, now: t0)
        ep.recordFlight(seq: SeqNum(501), len: 1000, fin: false, now: t1)   // from a partial ACK at 501
        #expect(ep.flight.map(\.retrans) == [true, true, false])
        #expect(ep.flight.map(\.sentAt) == [t1, t1, t0])
    }
}

extension RttEstimatorTests {
    /// tcp_sacktag_one() + tcp_ack_update_rtt(): a duplicate ACK that newly SACKs a segment sent
    /// once is an RTT sample (sack_rtt_us), here 100 ms against srtt 40 ms: 40 + 60/8 = 47.5 ms.
    /// Segments SACKed earlier give none when the cumulative ACK reaches them.
    @Test func aDuplicateAckSackingNewDataIsAnRttSample() {
        let ep = Self.endpoint()
        ep.forceState(.ESTABLISHED)
        ep.sackOn = true
        ep.sndUna = SeqNum(1); ep.sndNxt = SeqNum(3001); ep.sndMax = SeqNum(3001); ep.sndWl1 = SeqNum(1)
        ep.sndWnd = 60000; ep.maxWindow = 60000
        ep.rcvNxt = SeqNum(1); ep.rcvWup = SeqNum(1)
        ep.rttUpdate(.ms(40))
        let t0 = Instant(us: 1_000_000)
        ep.recordFlight(seq: SeqNum(1), len: 1000, fin: false, now: t0)
        ep.recordFlight(seq: SeqNum(1001), len: 1000, fin: false, now: t0)
        ep.recordFlight(seq: SeqNum(2001), len: 1000, fin: false, now: t0)
        var dup = Segment(src: ep.tuple.remote, dst: ep.tuple.local, seq: SeqNum(1), ack: SeqNum(1), flags: [.ack], window: 60000)
        dup.options.sack = [SackBlock(SeqNum(2001), SeqNum(3001))]
        ep.handle(dup, now: t0 + .ms(100))
        #expect(ep.srtt == 47_500)
        // The same block again SACKs nothing new: no sample.
        ep.handle(dup, now: t0 + .ms(200))
        #expect(ep.srtt == 47_500)
    }
}
