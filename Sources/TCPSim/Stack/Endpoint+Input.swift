// Input: a segment arrives for this connection. Mirrors Linux net/ipv4/tcp_input.c
// (tcp_rcv_synsent_state_process, tcp_validate_incoming, tcp_ack, tcp_rcv_state_process,
// tcp_data_queue, tcp_fin, __tcp_ack_snd_check) and tcp_minisocks.c (tcp_timewait_state_process);
// RFC 9293 §3.10.7, RFC 5961, RFC 7323.

extension Endpoint {
    /// Process one incoming segment at `now`.
    func handle(_ seg: Segment, now: Instant) {
        switch state {
        case .CLOSED, .LISTEN:
            actions.append(.drop(.TCP_CLOSE, note: nil))
        case .SYN_SENT:
            synSentProcess(seg, now: now)
        case .TIME_WAIT:
            timeWaitProcess(seg, now: now)
        case .FIN_WAIT_2 where twFinWait2:
            finWait2MiniProcess(seg, now: now)
        default:
            synchronizedProcess(seg, now: now)
        }
    }

    // MARK: Options

    /// Linux tcp_parse_options() applied to a SYN or SYN-ACK: negotiate what both sides offered.
    func negotiateOptions(from seg: Segment, now: Instant) {
        let o = seg.options
        mssClamp = Int(o.mss ?? 536)   // TCP_MSS_DEFAULT when the peer sent no MSS option
        tsOn = o.tsVal != nil && sysctls.tcp_timestamps != 0
        if tsOn, let v = o.tsVal { tsRecent = v; tsRecentStamp = now }
        sackOn = o.sackPermitted && sysctls.tcp_sack != 0
        if let ws = o.windowScale, sysctls.tcp_window_scaling != 0 {
            wsOn = true
            sndWscale = min(ws, 14)     // RFC 7323 §2.3: a shift above 14 is treated as 14
        } else {
            wsOn = false
            sndWscale = 0
            rcvWscale = 0
        }
    }

    // MARK: SYN_SENT

    /// Linux tcp_rcv_synsent_state_process() (RFC 9293 §3.10.7.3).
    func synSentProcess(_ seg: Segment, now: Instant) {
        if seg.flags.contains(.ack) {
            // An ACK must acknowledge our SYN exactly: ISS < SEG.ACK <= SND.NXT.
            if seg.ack <= iss || seg.ack > sndNxt {
                if seg.flags.contains(.rst) { actions.append(.drop(.TCP_RESET, note: nil)); return }
                // Answer with RST (seq = SEG.ACK) and retry our SYN soon (TCP_TIMEOUT_MIN, 2 jiffies):
                // the old connection's state on the peer may have just been reset by it.
                if retransmits == 0 { setTimer(.retransmit, now + .ms(8)) }
                actions.append(.resetReply(seg, note: nil))
                actions.append(.drop(.TCP_SYN_RECV_ACK_INVALID, note: nil))
                return
            }
            if seg.flags.contains(.rst) {
                // RFC 9293: an RST acknowledging our SYN means "connection refused".
                reset(note: .rstRefused())
                return
            }
            guard seg.flags.contains(.syn) else { actions.append(.drop(.TCP_FLAGS, note: nil)); return }
            // SYN-ACK: the second handshake. tcp_finish_connect() → ESTABLISHED, connect() returns.
            negotiateOptions(from: seg, now: now)
            irs = seg.seq
            rcvNxt = seg.seq + 1
            rcvWup = rcvNxt
            sndUna = seg.ack
            bufStart = SeqNum.max(bufStart, sndUna)
            sndWnd = Int(seg.window)      // RFC 7323 §2.2: the window in a SYN is never scaled
            sndWl1 = seg.seq
            maxWindow = sndWnd
            retransmits = 0
            cancelTimer(.retransmit)
            // The SYN's RTT (tcp_ack() → tcp_clean_rtx_queue()): timed from the SYN if it was sent
            // once; if it was retransmitted, only through the timestamp echo (Karn); without one
            // the handshake gives no sample and initTransfer() falls back to a 3 s RTO.
            if let s = rttSample, seg.ack >= s.seq {
                if totalRto == 0 {
                    rttUpdate(now - s.sent)
                } else if let sample = tsRttSample(seg, now: now) {
                    rttUpdate(sample)
                }
            }
            rttSample = nil
            initTransfer(now: now)
            lastRecv = now
            rcvTstamp = now
            lrcvtime = now
            setState(.ESTABLISHED)
            // Linux: the third ACK goes at once unless data is about to be written, TCP_DEFER_ACCEPT,
            // or interactive mode — then it waits to piggyback (tcp_rcv_synsent_state_process()).
            if inPingpong {
                scheduleAck()
                sendDelayedAck(now: now, max: .ms(200))
            } else {
                sendAck(now: now)
            }
            writeXmit(now: now)
            armKeepalive(now: now)
            return
        }
        if seg.flags.contains(.rst) { actions.append(.drop(.TCP_RESET, note: nil)); return }
        if seg.flags.contains(.syn) {
            // Crossed SYNs: simultaneous open or a connection to ourselves (RFC 9293 §3.5 fig. 7).
            negotiateOptions(from: seg, now: now)
            irs = seg.seq
            rcvNxt = seg.seq + 1
            rcvWup = rcvNxt
            sndWnd = Int(seg.window)
            sndWl1 = seg.seq
            maxWindow = sndWnd
            // tcp_rcv_synsent_state_process(): the SYN-ACK keeps the window computed at connect()
            // (64240 on Linux 6.18, unlike a listener's 65160).
            if !wsOn { rcvWscale = 0 }
            setState(.SYN_RECV, note: .simultaneousOpen())
            sendSynAck(now: now)
            return
        }
        actions.append(.drop(.TCP_FLAGS, note: nil))
    }

    /// Linux tcp_init_transfer(): after the handshake, buffers and the congestion window.
    func initTransfer(now: Instant) {
        // tcp_init_buffer_space(): start measuring how fast the application reads.
        copiedSeq = rcvNxt
        rcvqSeq = rcvNxt
        rcvqTime = now
        rcvqSpace = min(rcvSsthresh, rcvWnd, 10 * advMss)
        // tcp_init_metrics() (RFC 6298 §5.7): no RTT sample from the handshake (a retransmitted SYN or
        // SYN-ACK without timestamps) puts the RTO back to 3 s (TCP_TIMEOUT_FALLBACK), not 1 s.
        if srtt == 0 {
            rttvar = 3_000_000
            mdevUs = rttvar
            mdevMaxUs = rttvar
            rto = .seconds(3)
        }
        // A handshake that needed more than one retransmission starts with cwnd 1 (tcp_init_transfer()).
        cwnd = totalRto > 1 ? 1 : 10
        totalRto = 0
        retransStamp = nil
        // tcp_sndbuf_expand(): room for two congestion windows of full segments.
        sndBuf = max(sysctls.tcp_wmem[1], min(sysctls.tcp_wmem[2], 2 * 10 * mss))
        rcvMss = min(536, advMss, mss)   // tcp_initialize_rcv_mss()
    }

    // MARK: Synchronized states

    /// Linux tcp_paws_check(): the timestamp lags ts_recent by at most `window`, or ts_recent is 0, or
    /// it was recorded TCP_PAWS_WRAP (INT_MAX / USEC_PER_SEC = 2147 s, Linux 6.7+; 24 days before)
    /// ago or more.
    func pawsCheck(_ v: UInt32, window: Int32, now: Instant) -> Bool {
        if Int32(bitPattern: tsRecent &- v) <= window || tsRecent == 0 { return true }
        if let stamp = tsRecentStamp, now - stamp >= .seconds(2147) { return true }
        return false
    }

    /// Linux tcp_paws_reject(), for the timewait states: tcp_paws_check() with no replay window; an
    /// RST gets through once ts_recent is TCP_PAWS_MSL (60 s) old.
    func pawsReject(_ seg: Segment, now: Instant) -> Bool {
        guard tsOn, let v = seg.options.tsVal, let stamp = tsRecentStamp, !pawsCheck(v, window: 0, now: now) else { return false }
        return !(seg.flags.contains(.rst) && now - stamp >= .seconds(60))
    }

    /// tcp_paws_discard(): tcp_paws_check() with TCP_PAWS_WINDOW fails and tcp_disordered_ack_check()
    /// finds no reordered duplicate ACK: a pure ACK at rcv_nxt acknowledging snd_una, not updating
    /// the window (tcp_may_update_window()), whose timestamp lags by at most tcp_tsval_replay() (the
    /// RTO × 1.2, in 1 ms timestamp units).
    func pawsDiscard(_ seg: Segment, tsVal v: UInt32, now: Instant) -> Bool {
        if pawsCheck(v, window: 1, now: now) { return false }
        let nwin = Int(seg.window) << Int(sndWscale)
        let disorderedAck = seg.flags.contains(.ack) && seg.seqLen == 0 && seg.seq == rcvNxt && seg.ack == sndUna
            && !mayUpdateWindow(ack: seg.ack, seq: seg.seq, window: nwin)
            && Int64(Int32(bitPattern: tsRecent &- v)) <= rto.us * 12 / 10_000
        return !disorderedAck
    }

    /// tcp_may_update_window(): the ACK is new, or the segment is newer than the one that last set
    /// the window (snd_wl1), or as new and offers a larger window, or a zero one.
    func mayUpdateWindow(ack: SeqNum, seq: SeqNum, window nwin: Int) -> Bool {
        ack > sndUna || seq > sndWl1 || (seq == sndWl1 && (nwin > sndWnd || nwin == 0))
    }

    /// Linux tcp_validate_incoming() + tcp_rcv_state_process() for SYN_RECV and every later state.
    func synchronizedProcess(_ seg: Segment, now: Instant) {
        // RFC 7323 §5 PAWS, as tcp_validate_incoming() applies it: a timestamp older than ts_recent
        // by more than TCP_PAWS_WINDOW (1) marks an old duplicate (tcp_paws_discard()), unless it
        // is a reordered duplicate ACK (tcp_disordered_ack_check()). An RST goes on; a SYN gets a
        // challenge ACK; an old pure ACK (below rcv_nxt) is dropped without reply (6.14+); anything
        // else is answered with a duplicate ACK.
        if tsOn, let v = seg.options.tsVal, tsRecentStamp != nil, pawsDiscard(seg, tsVal: v, now: now) {
            if !seg.flags.contains(.rst) {
                if seg.flags.contains(.syn) {
                    sendChallengeAck(now: now)
                } else if seg.flags.contains(.ack) && seg.seqLen == 0 && seg.seq < rcvNxt {
                    actions.append(.drop(.TCP_RFC7323_PAWS_ACK, note: nil))
                    return
                } else {
                    sendDupAck(for: seg, now: now)
                }
                actions.append(.drop(.TCP_RFC7323_PAWS, note: nil))
                return
            }
        }
        // tcp_sequence(): acceptable if it ends at or after rcv_wup and starts within the window; since
        // Linux 6.17 one that also ends beyond the window (its FIN aside: "Some stacks are known to
        // handle FIN incorrectly") is taken only while the receive queue is empty
        // (TCP_INVALID_END_SEQUENCE, "tcp: do not accept packets beyond window").
        let limit = rcvNxt + receiveWindow
        var beyond = seg.seq > limit
        let endsBeyond = seg.endSeq - (seg.flags.contains(.fin) ? 1 : 0) > limit
        let endRejected = !beyond && endsBeyond && !receiveQueue.isEmpty
        beyond = beyond || endRejected
        let inWindow = !(seg.endSeq < rcvWup) && !beyond
        if !inWindow {
            if seg.flags.contains(.rst) {
                // tcp_reset_check(): after the peer's FIN, an RST at rcv_nxt − 1 is still accepted.
                if state.afterPeerFin, seg.seq == rcvNxt - 1 {
                    reset(note: .resetReceived(state == .CLOSE_WAIT ? .EPIPE : .ECONNRESET))
                    return
                }
                actions.append(.drop(.TCP_RESET, note: nil))
                return
            }
            if seg.flags.contains(.syn) {
                sendChallengeAck(now: now)   // RFC 5961 §4.2
                actions.append(.drop(.TCP_INVALID_SYN, note: .challengeAck()))
                return
            }
            sendDupAck(for: seg, now: now)
            actions.append(.drop(endRejected ? .TCP_INVALID_END_SEQUENCE : .TCP_INVALID_SEQUENCE, note: nil))
            return
        }
        if seg.flags.contains(.rst) {
            // RFC 5961 §3.2: reset only when SEG.SEQ == RCV.NXT exactly; otherwise a challenge ACK.
            if seg.seq == rcvNxt || (state.afterPeerFin && seg.seq == rcvNxt - 1) {
                let err: Errno = state == .CLOSE_WAIT ? .EPIPE : .ECONNRESET
                reset(note: .resetReceived(err))
            } else {
                sendChallengeAck(now: now)
                actions.append(.drop(.TCP_RESET, note: .challengeAck()))
            }
            return
        }
        if seg.flags.contains(.syn) {
            // Linux 6.11+ (commit 23e89e8ee7be): in SYN_RECV of a connect()ed socket, the peer's SYN-ACK of a
            // simultaneous open is accepted when it matches exactly; its SYN byte then looks like old data.
            let simultaneousSynAck = state == .SYN_RECV && activeOpen && seg.flags.contains(.ack)
                && seg.seq + 1 == rcvNxt && seg.ack == sndNxt
            if !simultaneousSynAck {
                sendChallengeAck(now: now)   // RFC 5961 §4.2: any SYN in a synchronized state
                actions.append(.drop(.TCP_INVALID_SYN, note: .challengeAck()))
                return
            }
        }
        guard seg.flags.contains(.ack) else { actions.append(.drop(.TCP_FLAGS, note: nil)); return }

        // Step 5: the ACK field (tcp_ack()).
        if state == .SYN_RECV {
            // RFC 9293 §3.10.7.4: SYN_RECV needs SND.UNA < SEG.ACK <= SND.NXT, else reset the sender.
            // (A listener's child already has snd_una = ISS + 1, so SEG.ACK == SND.UNA is the good case.)
            if seg.ack < sndUna || seg.ack > sndMax || (activeOpen && seg.ack == sndUna) {
                actions.append(.resetReply(seg, note: nil))
                actions.append(.drop(.TCP_SYN_RECV_ACK_INVALID, note: nil))
                return
            }
        }
        if !processAck(seg, now: now) { return }

        switch state {
        case .SYN_RECV:
            // tcp_rcv_state_process(): the handshake completes.
            sndWnd = Int(seg.window) << Int(sndWscale)
            sndWl1 = seg.seq
            maxWindow = max(maxWindow, sndWnd)
            initTransfer(now: now)
            lastRecv = now
            setState(.ESTABLISHED)
            armKeepalive(now: now)
        case .FIN_WAIT_1 where finAcked:
            // Our FIN is acknowledged.
            setState(.FIN_WAIT_2)
            if orphan {
                // tcp_rcv_state_process(), TCP_FIN_WAIT1 of a dead socket: new data or an out-of-order
                // FIN (end_seq != seq and end_seq − fin after rcv_nxt) aborts: tcp_done() and an RST.
                if seg.seqLen > 0 && (seg.endSeq - (seg.flags.contains(.fin) ? 1 : 0)) > rcvNxt {
                    actions.append(.resetReply(seg, note: .dataAfterCloseRST()))
                    done(note: .dataAfterCloseRST())
                    return
                }
                // Otherwise, unless this segment carries the FIN (th->fin: the full socket handles it),
                // the socket becomes a FIN_WAIT_2 timewait mini-socket (tcp_time_wait(), goto consume).
                if !seg.flags.contains(.fin) {
                    enterOrphanFinWait2(now: now)
                    if twFinWait2 { return }
                } else {
                    setTimer(.finWait2, now + finTime)
                }
            }
        case .CLOSING where finAcked:
            enterTimeWait(now: now)
            return
        case .LAST_ACK where finAcked:
            done()
            return
        default:
            break
        }

        // Step 7: the segment text (a SYN that got this far, as in a simultaneous open, occupies a
        // sequence number too and is seen as old data). Data after the peer's FIN is ignored.
        if seg.seqLen > 0 {
            switch state {
            case .CLOSE_WAIT, .CLOSING, .LAST_ACK:
                if seg.seq >= rcvNxt { break }   // data after the peer's FIN: ignore
                sendDupAck(for: seg, now: now)
            case .FIN_WAIT_1, .FIN_WAIT_2:
                // After close() (RCV_SHUTDOWN), new data has no reader: tcp_reset() and an RST (TCPAbortOnData).
                // Linux tests end_seq != seq, so a bare FIN beyond rcv_nxt (out of order) counts too.
                if rcvShutdown && seg.seqLen > 0 && (seg.endSeq - (seg.flags.contains(.fin) ? 1 : 0)) > rcvNxt {
                    actions.append(.resetReply(seg, note: .dataAfterCloseRST()))
                    pendingError = .ECONNRESET
                    done(note: .dataAfterCloseRST())
                    return
                }
                dataQueue(seg, now: now)
            default:
                dataQueue(seg, now: now)
            }
        }
        if state == .CLOSED || state == .TIME_WAIT { return }
        writeXmit(now: now)
        ackSndCheck(now: now)
    }

    /// Linux tcp_ack(): validate SEG.ACK, advance snd_una, update the send window, time the RTT,
    /// grow cwnd, and re-arm or stop the retransmission timer. Returns false if the segment is dropped.
    func processAck(_ seg: Segment, now: Instant) -> Bool {
        let ack = seg.ack
        let priorPackets = packetsOut
        if ack < sndUna {
            if ack < sndUna - maxWindow {
                // RFC 5961 §5.2: far too old.
                sendChallengeAck(now: now)
                actions.append(.drop(.TCP_TOO_OLD_ACK, note: nil))
                return false
            }
            return true   // an old ACK: ignore its ACK field, go on with the data
        }
        if ack > sndMax {
            // An ACK for data we never sent (RFC 9293 §3.10.7.4): drop it.
            if state != .ESTABLISHED { sendChallengeAck(now: now) }
            actions.append(.drop(.TCP_ACK_UNSENT_DATA, note: nil))
            return false
        }
        // RFC 7323 §4.3: remember the peer's timestamp when the segment covers rcv_wup — only now
        // that its ACK is known to be neither old nor beyond snd_nxt (tcp_ack(): "ts_recent update
        // must be made after we are sure that the packet is in window", FLAG_UPDATE_TS_RECENT).
        // tcp_replace_ts_recent(): only a timestamp that passes PAWS without its replay window
        // (tcp_paws_check(…, 0)) replaces it: one a tick older, accepted by PAWS, does not.
        if tsOn, let v = seg.options.tsVal, seg.seq <= rcvWup,
           tsRecentStamp == nil || pawsCheck(v, window: 0, now: now) {
            tsRecent = v
            tsRecentStamp = now
        }
        rcvTstamp = now
        probesOut = 0
        // tcp_may_update_window() / tcp_ack_update_window() (RFC 9293 SND.WL1/WL2 rule).
        let nwin = Int(seg.window) << Int(sndWscale)
        let windowChanged = nwin != sndWnd
        if mayUpdateWindow(ack: ack, seq: seg.seq, window: nwin) {
            sndWnd = nwin
            sndWl1 = seg.seq
            maxWindow = max(maxWindow, sndWnd)
        }
        // tcp_ack(): nothing was in flight before this ACK (no_queue): tcp_ack_probe().
        if priorPackets == 0 { ackProbe(now: now) }
        let oldBoard = sackScoreboard
        let newlySacked = sackOn && !seg.options.sack.isEmpty && updateScoreboard(seg.options.sack, ack: ack)
        // tcp_sacktag_one(): the send times of the first and last segments this ACK newly SACKs that
        // were never retransmitted (first_sackt, last_sackt): an RTT sample even on a duplicate ACK.
        var sackTimes: (first: Instant, last: Instant)? = nil
        if newlySacked {
            for r in Endpoint.subtract(sackScoreboard, oldBoard) {
                var i = firstFlight(atOrAfter: r.left)
                while i < flight.count, !(flight[i].end > r.right) {
                    if !flight[i].retrans {
                        let t = flight[i].sentAt
                        sackTimes = (sackTimes?.first ?? t, t)
                    }
                    i += 1
                }
            }
        }
        guard ack > sndUna else {
            if let s = sackTimes { rttUpdate(now - s.first, ca: now - s.last) }
            // RFC 5681 §2: a duplicate ACK acknowledges nothing new, carries no data and no window
            // change while data is outstanding. One that SACKs new data counts for loss detection
            // even when it is not a duplicate (tcp_ack_is_dubious(): FLAG_DATA_SACKED).
            let duplicate = seg.len == 0 && !seg.flags.contains(.fin) && !windowChanged
            if (duplicate || newlySacked) && sndUna < sndMax && state.isSynchronized {
                onDuplicateAck(now: now, duplicate: duplicate)
                reportCongestion(now: now)
            }
            return true
        }
        let acked = ack - sndUna
        // Remove acknowledged data (the SYN or FIN byte, if acked, is not in the buffer).
        if ack > bufStart {
            let n = min(ack - bufStart, sendBuffer.count)
            sendBuffer.removeFirst(n)
            bufStart = bufStart + n
        }
        sndUna = ack
        if sndNxt < sndUna { sndNxt = sndUna }
        // tcp_clean_rtx_queue() → tcp_ack_update_rtt(): every ACK of new data is an RTT sample, from
        // the first segment it acknowledges when none of those was sent twice (Karn, RFC 6298 §3),
        // else from the timestamp echo (RFC 7323 §4: TSecr of an ACK that advances snd_una, at
        // least 1 ms). The last one acknowledged gives the sample for min_rtt (ca_rtt_us).
        // (A segment the peer had SACKed already gives no sample; tcp_clean_rtx_queue() skips
        // TCPCB_SACKED_ACKED. Newly SACKed ones come next: sack_rtt_us, when there is no cumulative
        // sample; they also give ca_rtt_us.)
        var firstSent: Instant? = nil, lastSent: Instant? = nil, retransAcked = false
        var i = flightHead
        while i < flight.count, flight[i].end <= ack {
            if flight[i].retrans { retransAcked = true } else if !Endpoint.covers(oldBoard, flight[i].seq, flight[i].end) {
                if firstSent == nil { firstSent = flight[i].sentAt }
                lastSent = flight[i].sentAt
            }
            i += 1
        }
        if let f = firstSent, !retransAcked {
            let l = sackTimes?.last ?? lastSent ?? f
            rttUpdate(now - f, ca: now - l)
        } else if let s = sackTimes {
            rttUpdate(now - s.first, ca: now - s.last)
        } else if !retransAcked, let s = rttSample, ack >= s.seq {
            rttUpdate(now - s.sent)   // the SYN (not in the in-flight list), e.g. in a simultaneous open
        } else if let sample = tsRttSample(seg, now: now) {
            rttUpdate(sample)
        }
        rttSample = nil
        retransmits = 0
        retransStamp = nil
        if sackOn { updateScoreboard([], ack: ack) }
        onNewAck(acked: max(1, (acked + mss - 1) / mss), now: now)
        // tcp_new_space() → tcp_sndbuf_expand(): room for two congestion windows. (Linux counts skb
        // truesize; we count payload, a knowing simplification.)
        sndBuf = max(sndBuf, min(sysctls.tcp_wmem[2], 2 * max(cwnd, 10) * mss))
        while flightHead < flight.count, flight[flightHead].end <= sndUna { flightHead += 1 }
        if flightHead > 256 { flight.removeFirst(flightHead); flightHead = 0 }
        if let h = tlpHighSeq, sndUna >= h { tlpHighSeq = nil }   // tcp_process_tlp_ack()
        // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it — as a loss
        // probe when RFC 8985 allows (tcp_set_xmit_timer()).
        if sndUna == sndMax {
            cancelTimer(.retransmit)
            cancelTimer(.lossProbe)
        } else if !scheduleLossProbe(now: now, advancing: true) {
            armRTO(now + rto)
        }
        reportCongestion(now: now)
        return true
    }

    /// tcp_ack_update_rtt()'s timestamp sample (tcp_rtt_tsopt_us(), RFC 7323 §4): the time since the
    /// TSval the segment echoes, at least 1 ms; none without an echo, or for one too far off.
    func tsRttSample(_ seg: Segment, now: Instant) -> TimeSpan? {
        guard tsOn, seg.options.tsVal != nil, seg.options.tsEcr != 0 else { return nil }
        let delta = tsVal(now) &- seg.options.tsEcr
        guard delta < UInt32(Int32.max / 1000) else { return nil }
        return .ms(Int64(max(delta, 1)))
    }

    /// Linux tcp_rtt_estimator() + tcp_set_rto() (Van Jacobson with Linux's refinements): srtt gains
    /// 1/8 of the error; the deviation 1/4 of it, but only 1/32 when the RTT falls (so a faster sample
    /// does not inflate the RTO); rttvar follows the round trip's largest deviation, never below
    /// tcp_rto_min, and decays by a quarter of the gap once per round trip (rtt_seq). RTO = srtt +
    /// rttvar, at most 120 s: a fresh sample replaces a backed-off RTO (Linux also zeroes
    /// icsk_backoff). (Linux rounds the RTO up to 4 ms jiffies; tcplab keeps microseconds.)
    func rttUpdate(_ sample: TimeSpan, ca: TimeSpan? = nil) {
        var m = max(sample.us, 1)
        let c = max(ca?.us ?? m, 1)
        if minRttUs == 0 || c < minRttUs { minRttUs = c }
        let rtoMin = Int64(sysctls.tcp_rto_min_ms) * 1000
        var s = srttScaled
        if s != 0 {
            m -= s >> 3
            s += m
            if m < 0 {
                m = -m
                m -= mdevUs >> 2
                if m > 0 { m >>= 3 }
            } else {
                m -= mdevUs >> 2
            }
            mdevUs += m
            if mdevUs > mdevMaxUs {
                mdevMaxUs = mdevUs
                if mdevMaxUs > rttvar { rttvar = mdevMaxUs }
            }
            if sndUna > rttSeq {
                if mdevMaxUs < rttvar { rttvar -= (rttvar - mdevMaxUs) >> 2 }
                rttSeq = sndNxt
                mdevMaxUs = rtoMin
            }
        } else {
            s = m << 3
            mdevUs = m << 1
            rttvar = max(mdevUs, rtoMin)
            mdevMaxUs = rttvar
            rttSeq = sndNxt
        }
        srttScaled = max(1, s)
        srtt = srttScaled >> 3
        rto = TimeSpan(us: min(srtt + rttvar, 120_000_000))
    }

    // MARK: Data and FIN

    /// Linux tcp_data_queue(): in-order data to the receive queue, out-of-order data to the ofo queue
    /// (its ACK is ackSndCheck()'s: SACK compression), duplicates answered at once with a D-SACK.
    func dataQueue(_ seg: Segment, now: Instant) {
        let fin = seg.flags.contains(.fin)
        if seg.seq == rcvNxt {
            if seg.len > 0 {
                // (After shutdown(SHUT_RD) Linux still acknowledges and queues the data.)
                queueReceived(seg.payload, wireLen: seg.len)
                rcvNxt = rcvNxt + seg.len
                eventDataRecv(seg, now: now)
            }
            if fin { receiveFin(now: now) }
            if !ofoQueue.isEmpty {
                ofoDrain(now: now)
                // RFC 5681 §4.2: ACK at once when the gap is filled (ICSK_ACK_NOW once the queue is
                // empty; a partial fill moves rcv_nxt, which restarts the duplicate-ACK count).
                if ofoQueue.isEmpty { ackNow = true }
            }
            if !selectiveAcks.isEmpty { sackRemove() }
            return
        }
        if seg.endSeq <= rcvNxt {
            // All old: a retransmission we already have. Immediate ACK with a D-SACK block (RFC 2883).
            enterQuickAck()
            dsackSet(seg.seq, seg.endSeq)
            sendAck(now: now)
            return
        }
        if seg.seq < rcvNxt {
            // Partly old: keep the new tail, and D-SACK the old head (tcp_data_queue()).
            dsackSet(seg.seq, rcvNxt)
            let skip = rcvNxt - seg.seq
            var tail = seg
            tail.payload = seg.payload.dropFirst(skip)
            tail.seq = rcvNxt
            dataQueue(tail, now: now)
            return
        }
        // Out of order: keep it (a FIN too) and owe an ACK (tcp_data_queue_ofo(): inet_csk_schedule_ack(),
        // no quick-ACK mode). With SACK the window may still grow, and growing it sets quick-ACK
        // (tcp_grow_window()); without SACK it does not, so that duplicate ACKs go out. When and how the
        // ACK goes is ackSndCheck()'s: three at once per hole, then compressed.
        if !(seg.seq < rcvNxt + receiveWindow) {   // tcp_data_queue(): !before(seq, rcv_nxt + window)
            actions.append(.drop(.TCP_OVERWINDOW, note: nil))
            return
        }
        scheduleAck()
        if sackOn { dsackOfoOverlap(seg.seq, seg.endSeq) }
        insertOfo(seg)
        if sackOn {
            sackNewOfo(seg.seq, seg.endSeq, now: now)
            growWindow(seg)
        }
    }

    /// Linux tcp_sack_new_ofo_skb(): the block the new data extends moves to the front (merging with
    /// any it now touches, tcp_sack_maybe_coalesce()); otherwise a new block goes in front and, with
    /// four already, the oldest is forgotten. When the block touched is not among the first two
    /// (three or more holes), owed compressed ACKs go at once (tcp_sack_compress_send_ack()), so the
    /// sender hears of every hole.
    func sackNewOfo(_ seq: SeqNum, _ end: SeqNum, now: Instant) {
        func extend(_ b: inout SackBlock, _ l: SeqNum, _ r: SeqNum) -> Bool {
            guard !(l > b.right) && !(b.left > r) else { return false }
            if l < b.left { b.left = l }
            if r > b.right { b.right = r }
            return true
        }
        for i in selectiveAcks.indices {
            var b = selectiveAcks[i]
            guard extend(&b, seq, end) else { continue }
            if i >= 2 { sackCompressSendAck(now: now) }
            selectiveAcks.remove(at: i)
            selectiveAcks.insert(b, at: 0)
            var j = 1
            while j < selectiveAcks.count {
                if extend(&selectiveAcks[0], selectiveAcks[j].left, selectiveAcks[j].right) { selectiveAcks.remove(at: j) } else { j += 1 }
            }
            return
        }
        if selectiveAcks.count >= 2 { sackCompressSendAck(now: now) }
        if selectiveAcks.count >= 4 { selectiveAcks.removeLast() }
        selectiveAcks.insert(SackBlock(seq, end), at: 0)
    }

    /// tcp_data_queue_ofo()'s overlap rules, against the queue's coverage (Linux trims and coalesces
    /// its out-of-order skbs; tcplab keeps the segments and compares with their union): data that
    /// is all there already is a D-SACK; data starting inside a held range D-SACKs the overlap; data
    /// starting where a held range starts and covering it D-SACKs that range; held ranges the new
    /// data covers further right extend the D-SACK (merge_right).
    func dsackOfoOverlap(_ seq: SeqNum, _ end: SeqNum) {
        let held = Endpoint.merged(ofoQueue.ranges.map { SackBlock($0.seq, $0.end) })
        var right = held.startIndex
        if let i = held.lastIndex(where: { !($0.left > seq) }), seq < held[i].right {
            let h = held[i]
            if !(end > h.right) { dsackSet(seq, end); return }
            if seq > h.left { dsackSet(seq, h.right) } else { dsackExtend(h.left, h.right) }
            right = i + 1
        } else {
            right = held.firstIndex(where: { $0.left > seq }) ?? held.endIndex
        }
        for h in held[right...] {
            if !(end > h.left) { break }
            if end < h.right { dsackExtend(h.left, end); break }
            dsackExtend(h.left, h.right)
        }
    }

    /// Linux tcp_sack_compress_send_ack(): send the owed compressed ACKs now.
    func sackCompressSendAck(now: Instant) {
        guard compressedAck > 0 else { return }
        sendAck(now: now, note: .compressedSackAck())   // (tcp_event_ack_sent() clears the count and the timer)
    }

    /// Linux tcp_sack_remove(): rcv_nxt advanced; blocks it reached are gone (all of them once the
    /// out-of-order queue is empty).
    func sackRemove() {
        if ofoQueue.isEmpty { selectiveAcks.removeAll(); return }
        selectiveAcks.removeAll { !(rcvNxt < $0.left) }
    }

    /// Append in-order bytes to the receive queue, charging the segment's truesize.
    func queueReceived(_ bytes: ArraySlice<UInt8>, wireLen: Int) {
        receiveQueue.append(bytes)
        let t = Endpoint.truesize(wireLen)
        rcvSkbs.append((bytes.count, t))
        rcvQueueTruesize += t
    }

    /// The application consumed `n` bytes: free the segments it finished (skb_consume / tcp_eat_recv_skb).
    func consumeReceived(_ n: Int) {
        var left = n
        while left > 0, rcvSkbHead < rcvSkbs.count {
            let take = min(left, rcvSkbs[rcvSkbHead].left)
            rcvSkbs[rcvSkbHead].left -= take
            left -= take
            if rcvSkbs[rcvSkbHead].left == 0 {
                rcvQueueTruesize -= rcvSkbs[rcvSkbHead].truesize
                rcvSkbHead += 1
            }
        }
        if rcvSkbHead > 1024 && rcvSkbHead * 2 > rcvSkbs.count {
            rcvSkbs.removeFirst(rcvSkbHead)
            rcvSkbHead = 0
        }
    }

    func insertOfo(_ seg: Segment) {
        ofoQueue.insert(seg)
    }

    /// Linux tcp_ofo_queue(): move what became contiguous to the receive queue; a queued FIN now counts.
    /// Queued data the in-order segment already brought is a D-SACK (up to rcv_nxt as it was then).
    func ofoDrain(now: Instant) {
        let dsackHigh = rcvNxt
        while let first = ofoQueue.first, first.seq <= rcvNxt {
            // [seq, min(end_seq, dsack_high)): the 2025 fix "tcp: fix tcp_ofo_queue() to avoid
            // including too much DUP SACK range" (before it, the block reached dsack_high and the mark
            // dropped to end_seq). The kernel's tcp_dsack_mult.pkt checks it.
            if first.seq < dsackHigh, sackOn { dsackExtend(first.seq, SeqNum.min(first.endSeq, dsackHigh)) }
            ofoQueue.removeFirst()
            if first.endSeq <= rcvNxt { continue }
            let skip = rcvNxt - first.seq
            let data = first.payload.dropFirst(skip)
            if !data.isEmpty {
                queueReceived(data, wireLen: first.len)
                rcvNxt = rcvNxt + data.count
            }
            if first.flags.contains(.fin) { receiveFin(now: now); return }   // (tcp_fin() purges the rest)
        }
    }

    /// Linux tcp_fin(): the peer will send no more. EOF after the queued data; state by the table
    /// of RFC 9293 §3.10.7.4 step 8.
    func receiveFin(now: Instant) {
        rcvNxt = rcvNxt + 1
        finReceived = true
        scheduleAck()
        switch state {
        case .SYN_RECV, .ESTABLISHED:
            setState(.CLOSE_WAIT, note: .finReceived())
            pingpong = max(pingpong, sysctls.tcp_pingpong_thresh)   // inet_csk_enter_pingpong_mode()
        case .FIN_WAIT_1:
            // Simultaneous close: ACK at once and move to CLOSING.
            sendAck(now: now)
            setState(.CLOSING)
        case .FIN_WAIT_2:
            // The passive side's FIN: ACK at once and enter TIME_WAIT (tcp_time_wait()).
            sendAck(now: now)
            enterTimeWait(now: now)
        default:
            break
        }
        // Then tcp_fin() drops anything out of order after the FIN and resets the SACK state,
        // a pending D-SACK included (tcp_sack_reset()): the ACK for a FIN that came with old data
        // carries none (the kernel's tcp_close_no_rst.pkt: "Why do we have a delay and no dsack?").
        ofoQueue.removeAll()
        sackReset()
    }

    /// Linux tcp_sack_reset(): no SACK blocks, no pending D-SACK. When the full socket is left
    /// behind (`teardown`), the compressed ACKs owed are forgotten too, as tcp_disconnect() does.
    func sackReset(teardown: Bool = false) {
        selectiveAcks.removeAll()
        pendingDsack = nil
        if teardown { compressedAck = 0 }
    }

    /// Linux tcp_fin_time(): how long an orphan waits in FIN_WAIT_2, max(tcp_fin_timeout, 3.5 × RTO).
    var finTime: TimeSpan { max(.seconds(Int64(sysctls.tcp_fin_timeout)), TimeSpan(us: rto.us * 7 / 2)) }

    /// An orphan reached FIN_WAIT_2. Linux (tcp_rcv_state_process(), tcp_close()) hands it to a
    /// timewait mini-socket with substate TCP_FIN_WAIT2 for tcp_fin_time() when that is at most
    /// TCP_TIMEWAIT_LEN (60 s). Above that Linux keeps the full socket for the first tmo − 60 s
    /// (tcp_keepalive_timer()); we keep it a full socket throughout, a knowing simplification.
    func enterOrphanFinWait2(now: Instant) {
        let tmo = finTime
        if tmo <= .seconds(60) {
            twFinWait2 = true
            cancelAllTimers()
            sendBuffer.removeAll()
            ofoQueue.removeAll()
            sackReset(teardown: true)
        }
        setTimer(.finWait2, now + tmo)
    }

    /// Linux tcp_timewait_state_process() for the TCP_FIN_WAIT2 substate ("just repeat all the
    /// checks of tcp_rcv_state_process()", as a mini-socket does them).
    func finWait2MiniProcess(_ seg: Segment, now: Instant) {
        let pawsReject = pawsReject(seg, now: now)
        // tcp_in_window(seq, end_seq, rcv_nxt, rcv_nxt + tw_rcv_wnd).
        let wEnd = rcvNxt + receiveWindow
        let inWindow = seg.seq == rcvNxt || (seg.endSeq > rcvNxt && seg.seq < wEnd) || (seg.seq == wEnd && seg.seqLen == 0)
        if pawsReject || !inWindow {
            // tcp_timewait_check_oow_rate_limit() → TCP_TW_ACK (RSTs included); segments that occupy
            // sequence space, SYNs aside, are never rate limited (tcp_oow_rate_limited()).
            if (seg.seqLen > 0 && !seg.flags.contains(.syn)) || !oowRateLimited(now: now) {
                sendAck(now: now, note: .timeWaitLastAck())
            }
            actions.append(.drop(.TIMEWAIT, note: nil))
            return
        }
        if seg.flags.contains(.rst) {
            // goto kill: an in-window RST ends it, no challenge ACK (RFC 5961 does not apply here).
            done(note: .resetReceived(.ECONNRESET))
            return
        }
        if seg.flags.contains(.syn) && seg.seq >= rcvNxt {
            // TCP_TW_RST: tcp_v4_send_reset() and inet_twsk_deschedule_put().
            actions.append(.resetReply(seg, note: nil))
            done()
            return
        }
        // Dup ACK? No ACK flag, nothing new, or no sequence space: consumed silently.
        if !seg.flags.contains(.ack) || seg.endSeq <= rcvNxt || seg.seqLen == 0 {
            actions.append(.drop(.TIMEWAIT, note: nil))
            return
        }
        // New data, or a FIN not exactly at rcv_nxt: TCP_TW_RST (data after the half-duplex close).
        if !seg.flags.contains(.fin) || seg.endSeq != rcvNxt + 1 {
            actions.append(.resetReply(seg, note: .dataAfterCloseRST()))
            done(note: .dataAfterCloseRST())
            return
        }
        // The FIN: the true TIME_WAIT substate, 60 s, and TCP_TW_ACK.
        rcvNxt = seg.endSeq
        finReceived = true
        if tsOn, let v = seg.options.tsVal { tsRecent = v; tsRecentStamp = now }
        twFinWait2 = false
        sendAck(now: now)
        enterTimeWait(now: now)
    }

    /// Linux tcp_time_wait(TCP_TIME_WAIT): 60 s (TCP_TIMEWAIT_LEN), fixed.
    func enterTimeWait(now: Instant) {
        timeWaitSince = now
        cancelAllTimers()
        sendBuffer.removeAll()
        ofoQueue.removeAll()
        sackReset(teardown: true)
        if sysctls.tcp_tw_recycle != 0 && tsOn && tsRecentStamp != nil {
            // Linux ≤ 4.11 with tcp_tw_recycle: remember the peer's timestamp, and keep TIME_WAIT for
            // only 3.5 × RTO (tcp_time_wait(), recycle_ok).
            actions.append(.rememberPeerTimestamp(tsRecent))
            setState(.TIME_WAIT, note: .twRecycleRemember())
            setTimer(.timeWait, now + TimeSpan(us: rto.us * 7 / 2))
            return
        }
        setState(.TIME_WAIT, note: .enterTimeWait())
        setTimer(.timeWait, now + .seconds(60))
    }

    // MARK: Delayed ACK

    /// Linux tcp_event_data_recv() + tcp_measure_rcv_mss(): adapt the ACK timeout (ato) to the
    /// peer's sending rhythm; the first data starts quick-ACK mode (tcp_incr_quickack()).
    func eventDataRecv(_ seg: Segment, now: Instant) {
        scheduleAck()
        // tcp_measure_rcv_mss(): full segments teach us the peer's MSS and the payload/truesize
        // ratio of our buffers (Linux 6.6+ scaling_ratio); small ones mark the ACK "pushed".
        if seg.len >= rcvMss {
            if seg.len != rcvMss {
                let old = scalingRatio
                scalingRatio = max(1, seg.len * 256 / Endpoint.truesize(seg.len))
                if scalingRatio != old {
                    windowClamp = winFromSpace(rcvBuf)          // tcp_set_window_clamp()
                    if windowClamp < rcvSsthresh { rcvSsthresh = windowClamp }
                }
            }
            rcvMss = min(seg.len, advMss)
        } else {
            ackPushed = ackPushed > 0 ? 2 : 1
        }
        let atoMin = TimeSpan.ms(40)   // TCP_ATO_MIN
        if ato == .zero {
            incrQuickAck()
            ato = atoMin
        } else {
            let m = now - lrcvtime
            if m <= atoMin / 2 {
                ato = TimeSpan(us: ato.us / 2) + atoMin / 2
            } else if m < ato {
                ato = min(TimeSpan(us: ato.us / 2) + m, rto)
            } else if m > rto {
                incrQuickAck()   // a long gap: the peer probably restarted; ACK quickly again
            }
        }
        lrcvtime = now
        lastRecv = now
        if seg.len >= 128 { growWindow(seg) }
    }

    /// Linux tcp_grow_window(): let rcv_ssthresh (and so the advertised window) grow while the
    /// segments use the buffer memory well: by two MSS per segment, or less for wasteful ones.
    func growWindow(_ seg: Segment) {
        let room = min(windowClamp, freeSpace) - rcvSsthresh
        guard room > 0 else { return }
        let truesize = Endpoint.truesize(seg.len)
        var incr: Int
        if winFromSpace(truesize) <= seg.len {
            incr = 2 * advMss
        } else {
            // __tcp_grow_window()
            var t = winFromSpace(truesize) >> 1
            var window = winFromSpace(sysctls.tcp_rmem[2]) >> 1
            incr = 0
            while rcvSsthresh <= window {
                if t <= seg.len { incr = 2 * rcvMss; break }
                t >>= 1
                window >>= 1
            }
        }
        if incr > 0 {
            incr = max(incr, 2 * seg.len)
            rcvSsthresh += min(room, incr)
            quick |= 1
        }
    }

    /// Linux tcp_incr_quickack(): up to 16 immediate ACKs (TCP_MAX_QUICKACKS), rcv_wnd / (2·rcv_mss).
    func incrQuickAck() {
        var q = rcvWnd / (2 * max(rcvMss, 1))
        if q == 0 { q = 2 }
        q = min(q, 16)
        if q > quick { quick = q }
    }

    /// Linux tcp_enter_quickack_mode(): out-of-order or duplicate data; leave pingpong.
    func enterQuickAck() {
        incrQuickAck()
        pingpong = 0
        ato = .ms(40)
    }

    func scheduleAck() { ackPending = true }


    var inQuickAckMode: Bool { opts.quickAck || (quick > 0 && !inPingpong) }

    /// Linux __tcp_ack_snd_check(): ACK now or arm the delayed-ACK timer.
    func ackSndCheck(now: Instant) {
        guard ackPending else { return }
        let unacked = rcvNxt - rcvWup
        if ackNow {
            ackNow = false
            sendAck(now: now)
            return
        }
        // (a) more than one full-sized segment unacknowledged and the window would not shrink
        //     (RFC 1122 §4.2.3.2 / RFC 5681 §4.2: ACK at least every second full segment);
        if unacked > rcvMss && windowWouldNotShrink {
            sendAck(now: now, note: .secondFullSegmentAck())
            return
        }
        // (b) quick-ACK mode.
        if inQuickAckMode {
            sendAck(now: now, note: ofoQueue.isEmpty ? .quickAck() : .outOfOrderDupAck())
            return
        }
        if ofoQueue.isEmpty {
            sendDelayedAck(now: now, max: nil)
            return
        }
        // Out-of-order data (SACK compression, Linux 4.18+): without SACK every duplicate ACK goes at
        // once; with it, the first three per rcv_nxt (TCP_FASTRETRANS_THRESH, enough for the sender's
        // fast retransmit), then the ACK waits for the compressed-ACK timer, for tcp_comp_sack_nr owed
        // ACKs, or for any segment we send (tcp_event_ack_sent()).
        if !sackOn || compressedAck >= sysctls.tcp_comp_sack_nr {
            sendAck(now: now, note: .outOfOrderDupAck())
            return
        }
        if compressedAckRcvNxt != rcvNxt {
            compressedAckRcvNxt = rcvNxt
            dupAckCounter = 0
        }
        if dupAckCounter < 3 {
            dupAckCounter += 1
            sendAck(now: now, note: .outOfOrderDupAck())
            return
        }
        compressedAck += 1
        if timers[.compressedAck] != nil { return }
        // min(tcp_comp_sack_delay_ns, 5 % of the RTT) (Linux takes the smaller of its receive-side RTT
        // estimate and srtt; tcplab has only srtt), and the hrtimer fires at the end of its slack,
        // tcp_comp_sack_slack_ns, as it does on an otherwise idle CPU (observed on 6.18: 1.08–1.14 ms
        // after the first compressed segment with a 40 ms RTT).
        let delayNs = min(Int64(sysctls.tcp_comp_sack_delay_ns), srtt * 1000 / 20)
        setTimer(.compressedAck, now + TimeSpan(us: (delayNs + Int64(sysctls.tcp_comp_sack_slack_ns)) / 1000))
    }

    /// __tcp_select_window() ≥ rcv_wnd: acknowledging now would not announce a smaller window.
    var windowWouldNotShrink: Bool { computeWindow() >= rcvWnd }

    /// Linux tcp_send_delayed_ack(): arm the delayed-ACK timer at ato (40 ms minimum once data flowed,
    /// capped at 200 ms in pingpong or after a push, 500 ms otherwise, and at the smoothed RTT).
    func sendDelayedAck(now: Instant, max forcedMax: TimeSpan?) {
        var delay = ato
        let delackMin = TimeSpan.ms(40)   // TCP_DELACK_MIN
        if delay > delackMin {
            var maxAto = TimeSpan.ms(500)
            if inPingpong || ackPushed > 0 { maxAto = .ms(200) }   // TCP_DELACK_MAX
            if srtt > 0 {
                let r = Swift.max(TimeSpan(us: srtt), delackMin)
                if r < maxAto { maxAto = r }
            }
            delay = min(delay, maxAto)
        }
        if let forcedMax { delay = min(delay, forcedMax) }
        // With ato = 0 (no data ever received, e.g. a bare FIN) the timer fires on the next tick:
        // one jiffy, 4 ms at HZ=250 (observed on Linux 6.18).
        if delay == .zero { delay = .ms(4) }
        var deadline = now + delay
        if let existing = timers[.delack] {
            // "If delack timer is about to expire, send ACK now."
            if existing <= now + TimeSpan(us: delay.us / 4) { sendAck(now: now); return }
            if existing < deadline { deadline = existing }
            if existing == deadline { return }
        }
        setTimer(.delack, deadline)
    }
}
