// Output: what to send and how it looks. Mirrors Linux net/ipv4/tcp_output.c
// (tcp_connect, tcp_send_synack, tcp_write_xmit, tcp_send_fin, tcp_send_ack, tcp_select_window,
// tcp_send_active_reset, tcp_xmit_probe_skb) and RFC 9293 §3.8–3.10.

extension Endpoint {
    // MARK: Windows

    /// Linux tcp_select_initial_window(): the window in our SYN or SYN-ACK (never scaled, ≤ 65535),
    /// rounded down to a multiple of the MSS we expect to receive, and our window-scale shift.
    func selectInitialWindow(mss: Int) {
        var space = fullSpace
        if space > mss { space = (space / mss) * mss }
        rcvWnd = min(space, 65535)
        rcvSsthresh = rcvWnd
        windowClamp = fullSpace   // tcp_init_buffer_space(): window_clamp = tcp_full_space()
        // rcv_wscale = clamp(ilog2(max(tcp_rmem[2], rmem_max)) − 15, 0, 14) (rmem_max = 212992).
        let maxSpace = max(sysctls.tcp_rmem[2], 212_992)
        var log = 0
        while (1 << (log + 1)) <= maxSpace { log += 1 }
        rcvWscale = sysctls.tcp_window_scaling != 0 ? UInt8(min(max(log - 15, 0), 14)) : 0
    }

    /// Linux __tcp_select_window(): the window the receive memory and rcv_ssthresh allow now.
    func computeWindow() -> Int {
        let scale = Int(wsOn ? rcvWscale : 0)
        let unit = 1 << scale
        var free = freeSpace
        let allowed = fullSpace
        let full = min(windowClamp, allowed)
        let mssEstimate = min(rcvMss, max(full, 1))
        if free < full >> 1 {
            quick = 0
            // "free_space might become our new window, make sure we don't increase it due to wscale."
            free = (free >> scale) << scale
            // Below 1/16 of the buffer or one MSS: advertise a zero window.
            if free < allowed >> 4 || free < mssEstimate { return 0 }
        }
        if free > rcvSsthresh { free = rcvSsthresh }
        if scale > 0 {
            return (free + unit - 1) / unit * unit   // ALIGN(): don't let scaling round it to zero
        }
        // Without scaling, keep the current offer when it is within one MSS of the free space,
        // else the largest multiple of the MSS.
        var window = rcvWnd
        if window <= free - mssEstimate || window > free { window = free / mssEstimate * mssEstimate }
        return window
    }

    /// Linux tcp_select_window(): the window field for an outgoing segment, never shrinking what was
    /// offered (tcp_shrink_window = 0, RFC 9293 §3.8.6.2.2); records rcv_wnd and rcv_wup.
    func selectWindow() -> UInt16 {
        let scale = Int(wsOn ? rcvWscale : 0)
        var window = computeWindow()
        let cur = receiveWindow
        if window < cur {
            let unit = 1 << scale
            window = (cur + unit - 1) / unit * unit
        }
        window = min(window, 65535 << scale)
        rcvWnd = window
        rcvWup = rcvNxt
        return UInt16(window >> scale)
    }

    // MARK: Building segments

    /// A segment from this connection, with the timestamp and SACK options Linux would add.
    func makeSegment(seq: SeqNum, flags: TCPFlags, payload: ArraySlice<UInt8> = [], now: Instant) -> Segment {
        var seg = Segment(src: tuple.local, dst: tuple.remote, seq: seq, ack: flags.contains(.ack) ? rcvNxt : SeqNum(0),
                          flags: flags, payload: payload)
        if !flags.contains(.syn) { seg.window = selectWindow() }
        if tsOn { seg.options.timestamp = (tsVal(now), tsRecent) }
        if sackOn {
            // RFC 2018 / RFC 2883: a D-SACK block first, then the out-of-order data we hold; writing
            // the D-SACK uses it up (tcp_options_write(): rx_opt.dsack = 0).
            var blocks: [SackBlock] = []
            if let d = pendingDsack { blocks.append(d) }
            pendingDsack = nil
            blocks.append(contentsOf: sackBlocks())
            seg.options.sack = Array(blocks.prefix(tsOn ? 3 : 4))
        }
        return seg
    }

    /// Linux tcp_dsack_set(): report [seq, end) as received twice (with SACK; tcp_dsack = 1).
    func dsackSet(_ seq: SeqNum, _ end: SeqNum) {
        if sackOn { pendingDsack = SackBlock(seq, end) }
    }

    /// Linux tcp_dsack_extend(): grow the pending D-SACK block by [seq, end) when it touches it
    /// (tcp_sack_extend()), or set one.
    func dsackExtend(_ seq: SeqNum, _ end: SeqNum) {
        guard var d = pendingDsack else { dsackSet(seq, end); return }
        if !(seq > d.right) && !(d.left > end) {
            if seq < d.left { d.left = seq }
            if end > d.right { d.right = end }
            pendingDsack = d
        }
    }

    /// The SACK blocks an ACK reports: tp->selective_acks, the most recently changed first.
    func sackBlocks() -> [SackBlock] { selectiveAcks }

    /// Options for our SYN or SYN-ACK (Linux tcp_syn_options()/tcp_synack_options()):
    /// MSS, SACK-permitted, timestamps, window scale, as negotiated or offered.
    func synOptions(now: Instant, isSynAck: Bool) -> TCPOptions {
        var o = TCPOptions()
        o.mss = UInt16(advMss)
        if isSynAck {
            if sackOn { o.sackPermitted = true }
            if tsOn { o.timestamp = (tsVal(now), tsRecent) }
            if wsOn { o.windowScale = rcvWscale }
        } else {
            if sysctls.tcp_sack != 0 { o.sackPermitted = true }
            if sysctls.tcp_timestamps != 0 { o.timestamp = (tsVal(now), 0) }
            if sysctls.tcp_window_scaling != 0 { o.windowScale = rcvWscale }
        }
        return o
    }

    func emit(_ seg: Segment, now: Instant, note: Note? = nil) {
        let retransmit = seg.seqLen > 0 && seg.seq < sndMax
        lastEmitRetransmit = retransmit
        if seg.endSeq > sndMax { sndMax = seg.endSeq }
        if seg.len > 0 { lsndtime = now }   // __tcp_transmit_skb() → tcp_event_data_sent()
        actions.append(.transmit(seg, retransmit: retransmit, note: note ?? pendingNote))
        pendingNote = nil
        if seg.flags.contains(.ack) { ackSent() }
    }

    // MARK: Handshake

    /// Linux tcp_connect(): send SYN with ISS and arm the 1 s retransmission timer.
    func sendSyn(now: Instant) {
        // tcp_connect_init(): the SYN's window uses the full MSS (no timestamp seen yet).
        selectInitialWindow(mss: advMss)
        var seg = Segment(src: tuple.local, dst: tuple.remote, seq: iss, flags: [.syn], window: UInt16(rcvWnd))
        seg.options = synOptions(now: now, isSynAck: false)
        emit(seg, now: now)
        if sndNxt == iss { sndNxt = iss + 1 }
        if timers[.retransmit] == nil { armRTO(now + rto) }
        if rttSample == nil { rttSample = (iss, now) }
    }

    /// Linux tcp_send_synack() for a connect()ed socket in SYN_RECV (simultaneous open).
    func sendSynAck(now: Instant) {
        var seg = Segment(src: tuple.local, dst: tuple.remote, seq: iss, ack: rcvNxt, flags: [.syn, .ack], window: UInt16(min(rcvWnd, 65535)))
        seg.options = synOptions(now: now, isSynAck: true)
        emit(seg, now: now)
        if timers[.retransmit] == nil { armRTO(now + rto) }
    }

    // MARK: ACKs and resets

    /// Linux tcp_acceptable_seq(): the seq of a bare ACK or an RST. Linux's snd_nxt never moves back
    /// (tcp_enter_loss() retransmits from the queue's head), while our `sndNxt` is the go-back-N
    /// cursor a timeout rewinds, so its high-water mark `sndMax` stands for snd_nxt here; if the peer
    /// shrank its window below it, the window's right edge (tcp_wnd_end()).
    var acceptableSeq: SeqNum {
        let wndEnd = sndUna + sndWnd
        if !(wndEnd < sndMax) || (wsOn && (sndMax - wndEnd) < (1 << Int(rcvWscale))) { return sndMax }
        return wndEnd
    }

    /// Linux tcp_send_ack(): a bare ACK now, seq = tcp_acceptable_seq().
    func sendAck(now: Instant, note: Note? = nil) {
        let seg = makeSegment(seq: acceptableSeq, flags: [.ack], now: now)
        emit(seg, now: now, note: note)
    }

    /// Linux __tcp_oow_rate_limited(): at most one out-of-window reply per tcp_invalid_ratelimit.
    func oowRateLimited(now: Instant) -> Bool {
        if let last = lastOowAck, now - last < .ms(Int64(sysctls.tcp_invalid_ratelimit)) { return true }
        lastOowAck = now
        return false
    }

    /// Linux tcp_send_dupack(): answer an unacceptable segment with our current ACK, rate limited
    /// (tcp_oow_rate_limited()) unless the segment occupies sequence space (data or a FIN, which
    /// RFC 9293 §3.10.7.4 says must always be acknowledged) and is not a SYN.
    /// Old data (seq below rcv_nxt) also restarts quick-ACK mode and is reported as a D-SACK, its
    /// part below rcv_nxt.
    func sendDupAck(for seg: Segment, now: Instant) {
        if seg.seqLen == 0 || seg.flags.contains(.syn), oowRateLimited(now: now) { return }
        if seg.seqLen > 0 && seg.seq < rcvNxt {
            enterQuickAck()
            dsackSet(seg.seq, SeqNum.min(seg.endSeq, rcvNxt))
        }
        sendAck(now: now)
    }

    /// Linux tcp_send_challenge_ack() (RFC 5961 §3.2, §4.2, §5.2): ACK with snd_nxt/rcv_nxt, per-socket rate limited.
    func sendChallengeAck(now: Instant) {
        guard !oowRateLimited(now: now) else { return }
        sendAck(now: now, note: .challengeAck())
    }

    /// Linux tcp_send_active_reset(): RST|ACK with seq = tcp_acceptable_seq(), ack = rcv_nxt.
    func sendActiveReset(now: Instant, note: Note?) {
        let seg = makeSegment(seq: acceptableSeq, flags: [.rst, .ack], now: now)
        emit(seg, now: now, note: note)
    }

    /// Linux tcp_event_ack_sent(): an ACK left (bare or on data), so the delayed ACK is no longer pending.
    func ackSent() {
        // tcp_event_ack_sent(): any segment carrying an ACK takes the owed compressed ACKs with it.
        if compressedAck > 0 {
            compressedAck = 0
            cancelTimer(.compressedAck)
        }
        if quick > 0 { quick -= 1 }   // tcp_dec_quickack_mode()
        ackPending = false
        ackPushed = 0
        cancelTimer(.delack)
    }

    // MARK: Data

    /// Linux tcp_write_xmit(): send what the congestion window, the peer's window and Nagle allow;
    /// the FIN rides on the last data segment or goes alone (tcp_send_fin()).
    func writeXmit(now: Instant, maxSegments: Int = .max, probing: Bool = false) {
        guard state.canSend else { return }
        var sent = 0
        var blockedByCwnd = false
        defer {
            cwndValidate(blockedByCwnd: blockedByCwnd)
            // tcp_write_xmit() ends by scheduling a tail loss probe for what it sent.
            if sent > 0 && !probing { scheduleLossProbe(now: now, advancing: false) }
        }
        while sent < maxSegments {
            let offset = sndNxt - bufStart
            let unsent = sendBuffer.count - offset
            if unsent > 0 {
                let len = min(unsent, mss)
                let isTail = offset + len == sendBuffer.count
                // tcp_snd_wnd_test(): the segment must fit in the peer's window.
                if (sndNxt + len) > (sndUna + sndWnd) {
                    if bytesInFlight == 0 && timers[.persist] == nil && timers[.retransmit] == nil {
                        armPersist(now: now)
                    }
                    return
                }
                // tcp_cwnd_test(): packets in flight (RFC 6675 pipe once SACKs arrived) below cwnd.
                // A loss probe goes out whatever cwnd says (tcp_write_xmit() with push_one == 2:
                // "Force out a loss probe pkt"), and without Nagle (TCP_NAGLE_OFF).
                let inFlightSegs = (pipe + mss - 1) / mss
                if inFlightSegs >= cwnd && !probing { blockedByCwnd = true; return }
                // tcp_nagle_test() with Minshall's variant (tcp_minshall_check()): hold a small segment
                // while an earlier small segment is unacknowledged, unless TCP_NODELAY or a FIN follows.
                if len < mss && !opts.noDelay && !probing && !(finQueued && isTail) && sndSml > sndUna && sndSml <= sndNxt {
                    return
                }
                var flags: TCPFlags = [.ack]
                if isTail { flags.insert(.psh) }  // tcp_push(): PSH marks the end of what the application wrote
                let withFin = finQueued && isTail
                if withFin { flags.insert(.fin) }
                let payload = sendBuffer.peek(offset: offset, count: len)
                let hadPending = ackPending
                let seg = makeSegment(seq: sndNxt, flags: flags, payload: payload, now: now)
                emit(seg, now: now, note: pendingNote ?? (hadPending && !withFin ? .piggybackedAck() : nil))
                recordFlight(seq: seg.seq, len: len, fin: withFin, now: now)
                sndNxt = sndNxt + len + (withFin ? 1 : 0)
                sent += 1
                if len < mss { sndSml = sndNxt }
                if !xmitTimerArmed { armRTO(now + rto) }
                cancelTimer(.persist)
                dataSent(now: now)
                if withFin { return }
            } else if finQueued && sndNxt == finSeq {
                let mergedAck = ackPending
                let seg = makeSegment(seq: finSeq, flags: [.fin, .ack], now: now)
                emit(seg, now: now, note: pendingNote ?? (mergedAck && state == .LAST_ACK ? .finMergedWithAck() : nil))
                recordFlight(seq: finSeq, len: 0, fin: true, now: now)
                sndNxt = finSeq + 1
                sent += 1
                if !xmitTimerArmed { armRTO(now + rto) }
                return
            } else {
                return
            }
        }
    }

    /// Keep the in-flight list: a retransmission refreshes the send time of every entry it covers and
    /// marks them retransmitted (TCPCB_RETRANS, so their ACK is no RTT sample), including one it
    /// starts inside of (after an ACK that ended mid-segment, where Linux trims the skb's head).
    func recordFlight(seq: SeqNum, len: Int, fin: Bool, now: Instant) {
        // New data extends the list; a retransmission finds its entries (binary search: seq is sorted).
        if let last = flight.last, flightHead < flight.count, seq < last.end {
            var lo = flightHead, hi = flight.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if flight[mid].seq <= seq { lo = mid } else { hi = mid - 1 }
            }
            let end = seq + len + (fin ? 1 : 0)
            var i = lo
            while i < flight.count, flight[i].seq < end {
                if flight[i].end > seq { flight[i].sentAt = now; flight[i].retrans = true }
                i += 1
            }
            return
        }
        flight.append(InFlight(seq: seq, len: len, fin: fin, sentAt: now, retrans: lastEmitRetransmit))
    }

    /// Linux tcp_event_data_sent(): a reply sent within `ato` of the last received data counts
    /// towards interactive (pingpong) mode (tcp_pingpong_thresh).
    func dataSent(now: Instant) {
        if ato > .zero, now - lrcvtime < ato { pingpong += 1 }
    }

    var inPingpong: Bool { pingpong >= sysctls.tcp_pingpong_thresh }

    /// Linux tcp_send_fin() via tcp_close()/tcp_shutdown(): queue a FIN after the data and push.
    func queueFin(now: Instant) {
        guard !finQueued else { return }
        finQueued = true
        finSeq = dataEnd
        writeXmit(now: now)
    }

    // MARK: Probes

    /// Linux tcp_xmit_probe_skb(): a bare ACK with seq = snd_una − 1, which the peer must answer
    /// with a duplicate ACK (keepalive probes and zero-window probes use it).
    func sendProbe(now: Instant, note: Note? = nil) {
        let seg = makeSegment(seq: sndUna - 1, flags: [.ack], now: now)
        emit(seg, now: now, note: note)
    }
}
