// Congestion control and loss recovery: slow start and congestion avoidance (RFC 5681) with
// Linux's default CUBIC (RFC 9438; net/ipv4/tcp_cubic.c) or Reno, fast retransmit and recovery on
// three duplicate ACKs — NewReno (RFC 6582) without SACK, SACK-based (RFC 6675) with it.
// Knowing simplifications: no HyStart, no PRR (cwnd drops to ssthresh at once), no RACK reordering
// window (a hole below the highest SACKed byte counts as lost), and an RTO forgets the SACK scoreboard.

/// The congestion-avoidance algorithm, net.ipv4.tcp_congestion_control.
public enum CongestionAlgorithm: String, Sendable, CaseIterable {
    case cubic, reno
}

/// Linux's icsk_ca_state, as the trace shows it.
public enum CAState: String, Sendable {
    case open, disorder, recovery, loss
}

/// CUBIC's per-connection state (struct bictcp).
struct CubicState {
    var lastMaxCwnd = 0.0
    var epochStart: Instant? = nil
    var originPoint = 0.0
    var k = 0.0
    var ackCount = 0
    var tcpCwnd = 0.0
    static let beta = 717.0 / 1024.0   // BICTCP_BETA_SCALE: multiplicative decrease to ~0.7
    static let c = 0.4                  // bic_scale 41 / 1024 × 10
}

extension Endpoint {
    var algorithm: CongestionAlgorithm { CongestionAlgorithm(rawValue: sysctls.tcp_congestion_control) ?? .cubic }

    /// Bytes SACKed above snd_una.
    var sackedBytes: Int { sackScoreboard.reduce(0) { $0 + ($1.right - $1.left) } }

    /// Highest SACKed sequence number (RFC 6675 HighACK … HighData boundary), or snd_una.
    var highestSacked: SeqNum { sackScoreboard.last?.right ?? sndUna }

    /// The holes below the highest SACKed byte: what RFC 6675 (with DupThresh reached) deems lost.
    func holes() -> [SackBlock] {
        var out: [SackBlock] = []
        var cursor = sndUna
        for b in sackScoreboard {
            if b.left > cursor { out.append(SackBlock(cursor, b.left)) }
            cursor = SeqNum.max(cursor, b.right)
        }
        return out
    }

    /// RFC 6675 pipe: bytes in flight that are neither SACKed nor lost-and-not-yet-retransmitted.
    var pipe: Int {
        guard caState == .recovery || !sackScoreboard.isEmpty else { return bytesInFlight }
        var lostNotRetx = 0
        for h in holes() where h.right > rtxHigh {
            lostNotRetx += h.right - SeqNum.max(h.left, rtxHigh)
        }
        return max(0, bytesInFlight - sackedBytes - lostNotRetx)
    }

    /// Merge the SACK blocks of an ACK into the scoreboard (RFC 2018), ignoring D-SACKs (RFC 2883).
    /// True when it SACKed bytes not SACKed before (Linux FLAG_DATA_SACKED).
    @discardableResult
    func updateScoreboard(_ blocks: [SackBlock], ack: SeqNum) -> Bool {
        let before = sackedBytes
        for b in blocks {
            guard b.left < b.right, b.left >= ack, b.right <= sndMax else { continue }   // D-SACK or bogus
            sackScoreboard.append(b)
        }
        sackScoreboard.removeAll { $0.right <= sndUna }
        for i in sackScoreboard.indices where sackScoreboard[i].left < sndUna { sackScoreboard[i].left = sndUna }
        sackScoreboard.sort { $0.left < $1.left }
        sackScoreboard = Endpoint.merged(sackScoreboard)
        return sackedBytes > before
    }

    /// Linux tcp_is_cwnd_limited(): in slow start, while cwnd < 2 × the most segments in flight
    /// lately; in congestion avoidance, if cwnd stopped a transmission in the current window.
    var cwndLimited: Bool { cwnd < ssthresh ? cwnd < 2 * maxPacketsOut : isCwndLimited }

    /// Linux tcp_cwnd_validate(): after sending, remember the flight's high-water mark per window.
    func cwndValidate(blockedByCwnd: Bool) {
        if sndUna >= maxPacketsSeq || packetsOut > maxPacketsOut {
            maxPacketsOut = packetsOut
            maxPacketsSeq = sndNxt
        }
        if sndUna >= cwndUsageSeq || blockedByCwnd {
            isCwndLimited = blockedByCwnd
            cwndUsageSeq = sndNxt
        }
    }

    /// Grow cwnd for `acked` newly acknowledged segments (tcp_cong_avoid()).
    func congestionAvoidance(acked: Int, now: Instant) {
        guard cwndLimited else { return }
        if cwnd < ssthresh {
            // tcp_slow_start(): one segment per segment acknowledged, up to ssthresh.
            cwnd = min(cwnd + acked, max(ssthresh, cwnd))
            return
        }
        switch algorithm {
        case .reno:
            // tcp_cong_avoid_ai(): one segment per window.
            cwndCount += acked
            if cwndCount >= cwnd { cwndCount -= cwnd; cwnd += 1 }
        case .cubic:
            cubicUpdate(acked: acked, now: now)
        }
    }

    /// bictcp_update() + cubictcp_cong_avoid(): W(t) = C·(t − K)³ + W_max, with the TCP-friendly floor.
    func cubicUpdate(acked: Int, now: Instant) {
        let w = Double(cwnd)
        if cubic.epochStart == nil {
            cubic.epochStart = now
            cubic.ackCount = acked
            cubic.tcpCwnd = w
            if cubic.lastMaxCwnd <= w {
                cubic.k = 0
                cubic.originPoint = w
            } else {
                cubic.k = cbrt((cubic.lastMaxCwnd - w) / CubicState.c)
                cubic.originPoint = cubic.lastMaxCwnd
            }
        } else {
            cubic.ackCount += acked
        }
        let minRtt = Double(minRttUs > 0 ? minRttUs : max(srtt, 1)) / 1e6
        let t = (now - cubic.epochStart!).seconds + minRtt
        let target = cubic.originPoint + CubicState.c * (t - cubic.k) * (t - cubic.k) * (t - cubic.k)
        var cnt = target > w ? w / (target - w) : 100 * w
        // TCP friendliness (RFC 9438 §4.3): follow Reno's average rate when it would be faster.
        let alpha = 3 * (1 - CubicState.beta) / (1 + CubicState.beta)
        cubic.tcpCwnd += alpha * Double(acked) / w
        if cubic.tcpCwnd > w {
            let maxCnt = w / (cubic.tcpCwnd - w)
            if cnt > maxCnt { cnt = maxCnt }
        }
        cnt = max(cnt, 2)
        cwndCount += acked
        if Double(cwndCount) >= cnt {
            let inc = Int(Double(cwndCount) / cnt)
            cwnd += inc
            cwndCount -= Int(Double(inc) * cnt)
        }
    }

    /// ssthresh after a loss (tcp_ca_ops.ssthresh): CUBIC β = 0.7 with fast convergence; Reno halves.
    func ssthreshAfterLoss() -> Int {
        switch algorithm {
        case .reno:
            return max(cwnd / 2, 2)
        case .cubic:
            cubic.epochStart = nil
            let w = Double(cwnd)
            cubic.lastMaxCwnd = w < cubic.lastMaxCwnd ? w * (1 + CubicState.beta) / 2 : w   // fast convergence
            return max(Int(w * CubicState.beta), 2)
        }
    }

    /// An ACK arrived that acknowledged nothing new. RFC 5681 §3.2 / RFC 6675 §5: on the third
    /// duplicate (or three segments' worth SACKed) enter fast recovery and retransmit the first hole.
    /// `duplicate`: the ACK is a duplicate in RFC 5681's sense; an ACK that only SACKed new data
    /// (it also updated the window, or carried data) still runs loss detection, as Linux's
    /// tcp_ack_is_dubious() lets FLAG_DATA_SACKED (FLAG_CA_ALERT) into tcp_fastretrans_alert().
    func onDuplicateAck(now: Instant, duplicate: Bool = true) {
        if duplicate { dupAcks += 1 }
        if caState == .open && dupAcks > 0 { caState = .disorder }
        let sackedSegments = sackedBytes / max(mss, 1)
        if (caState == .open || caState == .disorder) && (dupAcks >= 3 || (sackOn && sackedSegments >= 3)) {
            enterRecovery(now: now)
        } else if (caState == .open || caState == .disorder) && sackOn {
            rackDetectLoss(now: now)
        } else if caState == .recovery && !sackOn {
            cwnd += 1   // RFC 6582: inflate for each further duplicate
        }
        if caState == .recovery { recoveryTransmit(now: now) }
    }

    /// RACK (RFC 8985, Linux tcp_rack_detect_loss(), simplified): once a segment sent later has been
    /// SACKed, the hole's first segment is lost if it has been out longer than that segment's RTT
    /// plus a reordering window of min_rtt/4; if not yet, a reordering timer waits for that instant.
    func rackDetectLoss(now: Instant) {
        guard let hole = holes().first, let last = lastSackedSentAt(),
              let head = flight[flightHead...].first(where: { $0.seq >= hole.left }), head.sentAt <= last else { return }
        let rackRtt = now - last
        let reoWnd = TimeSpan(us: min(max(minRttUs, 1) / 4, max(srtt, 1)))
        let deadline = head.sentAt + rackRtt + reoWnd
        if deadline <= now {
            enterRecovery(now: now)
        } else {
            cancelTimer(.lossProbe)
            cancelTimer(.retransmit)
            setTimer(.reorder, deadline)   // ICSK_TIME_REO_TIMEOUT
        }
    }

    /// When the most recently sent SACKed segment was sent (tcp_rack_advance()'s xmit time).
    func lastSackedSentAt() -> Instant? {
        guard let top = sackScoreboard.last else { return nil }
        return flight[flightHead...].last(where: { $0.seq < top.right && $0.end > top.left })?.sentAt
    }

    /// The reordering timer fired (tcp_rack_reo_timeout()): what is still missing is lost.
    func reorderTimer(now: Instant) {
        if (caState == .open || caState == .disorder) && !holes().isEmpty {
            enterRecovery(now: now)
            recoveryTransmit(now: now)
        }
        if !xmitTimerArmed { rearmRTO(now: now) }
        reportCongestion(now: now)
    }

    /// tcp_enter_recovery(): ssthresh by the algorithm, remember snd_nxt, fast-retransmit.
    func enterRecovery(now: Instant) {
        ssthresh = ssthreshAfterLoss()
        cwnd = sackOn ? ssthresh : ssthresh + 3
        cwndCount = 0
        caState = .recovery
        recoveryPoint = sndMax
        rtxHigh = sndUna
        cancelTimer(.lossProbe)
        if timers[.retransmit] == nil { armRTO(now + rto) }
        // RFC 6675 §5 (4.3) / PRR's first step: the first hole goes out at once, whatever the pipe.
        pendingNote = .fastRetransmit()
        let firstHole = sackOn ? (holes().first?.left ?? sndUna) : sndUna
        retransmitRange(from: firstHole, limit: sackOn ? holes().first?.right : nil, now: now)
        pendingNote = nil
    }

    /// Send in recovery while the pipe allows: first the holes (lost segments), then new data.
    func recoveryTransmit(now: Instant) {
        var budget = 64
        if !sackOn {
            // NewReno: only the segment at snd_una is known lost; retransmit it once per partial ACK.
            if rtxHigh <= sndUna { retransmitRange(from: sndUna, now: now) }
            writeXmit(now: now)
            return
        }
        while budget > 0 {
            budget -= 1
            guard pipe + mss <= cwnd * mss else { return }
            if let hole = holes().first(where: { $0.right > rtxHigh }) {
                retransmitRange(from: SeqNum.max(hole.left, rtxHigh), limit: hole.right, now: now)
            } else {
                let before = sndNxt
                writeXmit(now: now, maxSegments: 1)
                if sndNxt == before { return }
            }
        }
    }

    /// Retransmit one segment starting at `from` (tcp_retransmit_skb()).
    func retransmitRange(from: SeqNum, limit: SeqNum? = nil, now: Instant) {
        let offset = from - bufStart
        guard offset >= 0 else { return }
        var len = min(mss, sendBuffer.count - offset)
        if let limit { len = min(len, limit - from) }
        // The FIN rides along only if it is part of what is missing (not already SACKed).
        let fin = finQueued && offset + max(len, 0) == sendBuffer.count && from + len <= finSeq && (limit.map { $0 > finSeq } ?? true)
        guard len > 0 || fin else { return }
        var flags: TCPFlags = [.ack]
        if len > 0 && offset + len == sendBuffer.count { flags.insert(.psh) }
        if fin { flags.insert(.fin) }
        let seg = makeSegment(seq: from, flags: flags, payload: sendBuffer.peek(offset: offset, count: len), now: now)
        emit(seg, now: now)
        recordFlight(seq: from, len: len, fin: fin, now: now)
        rtxHigh = SeqNum.max(rtxHigh, from + len + (fin ? 1 : 0))
        retransmitCount += 1
    }

    /// New data was acknowledged: leave recovery at the recovery point, or go on repairing holes.
    func onNewAck(acked: Int, now: Instant) {
        dupAcks = 0
        switch caState {
        case .recovery:
            if sndUna >= recoveryPoint {
                cwnd = ssthresh   // tcp_end_cwnd_reduction()
                caState = .open
                sackScoreboard.removeAll()
            } else {
                if !sackOn { cwnd = max(ssthresh, cwnd - acked + 1); rtxHigh = sndUna }   // RFC 6582 partial ACK
                recoveryTransmit(now: now)
            }
        case .loss:
            if sndUna >= recoveryPoint { caState = .open }
            congestionAvoidance(acked: acked, now: now)
        case .disorder:
            caState = .open
            congestionAvoidance(acked: acked, now: now)
        case .open:
            congestionAvoidance(acked: acked, now: now)
        }
    }

    /// Linux tcp_slow_start_after_idle_check() (RFC 5681 §4.1): with nothing in flight and no data
    /// sent for more than an RTO, tcp_cwnd_restart() halves cwnd once per further RTO of idleness,
    /// down to the restart window min(TCP_INIT_CWND, cwnd); ssthresh keeps the old window's memory
    /// (tcp_current_ssthresh()).
    func slowStartAfterIdleCheck(now: Instant) {
        guard sysctls.tcp_slow_start_after_idle != 0, packetsOut == 0, let last = lsndtime else { return }
        var delta = now - last
        guard delta > rto else { return }
        if caState != .recovery {   // tcp_current_ssthresh(): not in a cwnd reduction
            ssthresh = max(ssthresh, (cwnd >> 1) + (cwnd >> 2))
        }
        let restart = min(10, cwnd)   // tcp_init_cwnd(): TCP_INIT_CWND
        var c = cwnd
        while true {
            delta = delta - rto
            guard delta > .zero && c > restart else { break }
            c >>= 1
        }
        cwnd = max(c, restart)
        cwndCount = 0
        reportCongestion(now: now)
    }

    /// Report the sender's congestion state when it changed (the trace's `cc` events).
    func reportCongestion(now: Instant) {
        let snapshot = CCSnapshot(cwnd: cwnd, ssthresh: ssthresh, state: caState)
        guard snapshot != lastCCReport else { return }
        lastCCReport = snapshot
        actions.append(.congestion(CCInfo(cwnd: cwnd, ssthresh: ssthresh >= Int.max / 4 ? nil : ssthresh,
                                          srtt: TimeSpan(us: srtt), rto: rto, inFlight: bytesInFlight,
                                          peerWindow: sndWnd, state: caState, mss: mss)))
    }
}

struct CCSnapshot: Equatable {
    var cwnd: Int
    var ssthresh: Int
    var state: CAState
}

/// What a `cc` trace event carries: the sender's view of its congestion state.
public struct CCInfo: Sendable, Equatable {
    public var cwnd: Int
    public var ssthresh: Int?
    public var srtt: TimeSpan
    public var rto: TimeSpan
    public var inFlight: Int
    public var peerWindow: Int
    public var state: CAState
    public var mss: Int
}

/// Cube root for CUBIC's K (standard library only).
func cbrt(_ x: Double) -> Double {
    guard x != 0 else { return 0 }
    var y = x > 0 ? Swift.max(1, x / 3) : Swift.min(-1, x / 3)
    for _ in 0..<60 { y = y - (y * y * y - x) / (3 * y * y) }
    return y
}

extension Endpoint {
    /// Blocks sorted by their left edge, with those that touch or overlap joined.
    static func merged(_ sorted: [SackBlock]) -> [SackBlock] {
        var out: [SackBlock] = []
        for b in sorted {
            if let last = out.last, !(b.left > last.right) { out[out.count - 1].right = SeqNum.max(last.right, b.right) } else { out.append(b) }
        }
        return out
    }

    /// The parts of the sorted, merged blocks `new` that `old` (sorted, merged) does not cover.
    static func subtract(_ new: [SackBlock], _ old: [SackBlock]) -> [SackBlock] {
        var out: [SackBlock] = []
        var j = 0
        for b in new {
            var l = b.left
            while j < old.count, !(old[j].right > l) { j += 1 }
            var k = j
            while l < b.right {
                if k < old.count, old[k].left < b.right {
                    if old[k].left > l { out.append(SackBlock(l, old[k].left)) }
                    l = SeqNum.max(l, old[k].right)
                    k += 1
                } else {
                    out.append(SackBlock(l, b.right))
                    break
                }
            }
        }
        return out
    }

    /// Whether [seq, end) lies inside one of the sorted, merged `blocks`.
    static func covers(_ blocks: [SackBlock], _ seq: SeqNum, _ end: SeqNum) -> Bool {
        var lo = 0, hi = blocks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blocks[mid].right < end { lo = mid + 1 } else { hi = mid }
        }
        return lo < blocks.count && !(blocks[lo].left > seq)
    }

    /// The index of the first in-flight entry (from flightHead) whose seq is at or after `seq`.
    func firstFlight(atOrAfter seq: SeqNum) -> Int {
        var lo = flightHead, hi = flight.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if flight[mid].seq < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
