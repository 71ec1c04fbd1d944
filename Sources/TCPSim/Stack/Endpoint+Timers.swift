// Timers: retransmission, delayed ACK, keepalive, zero-window probe, FIN_WAIT_2 and TIME_WAIT.
// Mirrors Linux net/ipv4/tcp_timer.c (tcp_retransmit_timer, tcp_write_timeout, tcp_delack_timer_handler,
// tcp_keepalive_timer, tcp_probe_timer) and tcp_minisocks.c; RFC 6298, RFC 1122 §4.2.3.

extension Endpoint {
    /// A timer of this endpoint fired at `now`.
    func timerFired(_ kind: TimerKind, now: Instant) {
        // Due (the scheduler clamps a past deadline to the present, so it may be earlier than now).
        guard let deadline = timers[kind], deadline <= now else { return }
        timers[kind] = nil
        switch kind {
        case .retransmit: retransmitTimer(now: now)
        case .lossProbe: sendLossProbe(now: now)
        case .reorder: reorderTimer(now: now)
        case .compressedAck:
            // tcp_compressed_ack_kick(): send the ACK the compressed SACKs were waiting for.
            if compressedAck > 0 {
                compressedAck -= 1
                sendAck(now: now, note: .compressedSackAck())
            }
        case .delack: delackTimer(now: now)
        case .keepalive: keepaliveTimer(now: now)
        case .persist: probeTimer(now: now)
        case .finWait2:
            // An orphaned FIN_WAIT_2 gives up silently (tcp_fin_timeout).
            done(note: .orphanFinWait2Timeout())
        case .timeWait:
            done(note: .timeWaitDone())
        case .synack:
            break
        }
    }

    // MARK: Retransmission

    /// Linux tcp_retransmit_timer(): give up if the budget is spent, else retransmit the oldest
    /// unacknowledged segment, collapse cwnd (RFC 5681 §3.1), and back off (RFC 6298 §5.5).
    func retransmitTimer(now: Instant) {
        let outstanding = sndUna < sndMax || state == .SYN_SENT || (state == .SYN_RECV && activeOpen)
        guard outstanding else { return }
        if writeTimeout(now: now) { return }
        if retransStamp == nil { retransStamp = lastSendOfHead ?? now }
        switch state {
        case .SYN_SENT:
            var seg = Segment(src: tuple.local, dst: tuple.remote, seq: iss, flags: [.syn], window: UInt16(rcvWnd))
            seg.options = synOptions(now: now, isSynAck: false)
            emit(seg, now: now)
            // (Timed only through the SYN-ACK's timestamp echo, i.e. from this SYN: see the SYN_SENT
            // input path.)
            rttSample = (iss + 1, now)
        case .SYN_RECV where activeOpen:
            var seg = Segment(src: tuple.local, dst: tuple.remote, seq: iss, ack: rcvNxt, flags: [.syn, .ack], window: UInt16(min(rcvWnd, 65535)))
            seg.options = synOptions(now: now, isSynAck: true)
            emit(seg, now: now)
        default:
            // tcp_enter_loss(): ssthresh by the algorithm (once per loss episode), cwnd = 1, resend
            // from snd_una (we forget the SACK scoreboard, a knowing simplification).
            if caState != .loss { ssthresh = ssthreshAfterLoss() }
            cwnd = 1
            cwndCount = 0
            caState = .loss
            recoveryPoint = sndMax
            sackScoreboard.removeAll()
            dupAcks = 0
            sndNxt = sndUna
            flight.removeAll()
            flightHead = 0
            tlpHighSeq = nil
            rttSample = nil   // Karn's algorithm: no RTT samples from retransmissions
            writeXmit(now: now, maxSegments: 1)
        }
        retransmits += 1
        totalRto += 1
        // Linux 6.5+ (tcp_syn_linear_timeouts): the first SYN retransmissions keep a 1 s timeout.
        if state != .SYN_SENT || totalRto > sysctls.tcp_syn_linear_timeouts {
            rto = min(rto * 2, .seconds(120))   // TCP_RTO_MAX
        }
        var next = now + rto
        if opts.userTimeoutMs > 0, let start = retransStamp {
            // tcp_clamp_rto_to_user_timeout(): never sleep past TCP_USER_TIMEOUT.
            let limit = start + .ms(Int64(opts.userTimeoutMs))
            if limit > now && limit < next { next = limit }
        }
        armRTO(next)
        reportCongestion(now: now)
    }

    /// When the head of the retransmission queue was last sent.
    var lastSendOfHead: Instant? { flightHead < flight.count ? flight[flightHead].sentAt : nil }

    var packetsOut: Int { flight.count - flightHead }

    /// A transmission timer (RTO or loss probe) is armed: the one slot Linux calls icsk_retransmit_timer.
    var xmitTimerArmed: Bool { timers[.retransmit] != nil || timers[.lossProbe] != nil || timers[.reorder] != nil }

    func armRTO(_ at: Instant) {
        cancelTimer(.lossProbe)
        cancelTimer(.reorder)
        setTimer(.retransmit, at)
    }

    /// Linux tcp_rearm_rto(): RTO after the head was sent; while a probe is pending, what is left of it.
    func rearmRTO(now: Instant, fromProbe: Bool = false) {
        guard sndUna < sndMax else {
            cancelTimer(.retransmit)
            cancelTimer(.lossProbe)
            return
        }
        var delta = rto
        if fromProbe || timers[.lossProbe] != nil, let sent = lastSendOfHead {
            delta = max(TimeSpan(us: 1), rto - (now - sent))   // tcp_rto_delta_us()
        }
        armRTO(now + delta)
    }

    /// Linux tcp_schedule_loss_probe() (RFC 8985 §7.2): with SACK and no recovery under way, probe
    /// after 2·SRTT (plus TCP_RTO_MIN when one segment is out, for the peer's delayed ACK; plus 2 ms
    /// otherwise), unless the RTO would fire earlier.
    @discardableResult
    func scheduleLossProbe(now: Instant, advancing: Bool) -> Bool {
        // tcp_schedule_loss_probe(): only for SACK connections in the Open (or CWR, not modelled)
        // congestion state — never during recovery, after a timeout, or in Disorder.
        guard sackOn, packetsOut > 0, retransmits == 0, tlpHighSeq == nil, caState == .open,
              state.canSend else { return false }
        var timeout: TimeSpan
        if srtt > 0 {
            timeout = TimeSpan(us: 2 * srtt) + (packetsOut == 1 ? .ms(Int64(sysctls.tcp_rto_min_ms)) : .ms(2))
        } else {
            timeout = .seconds(1)
        }
        let rtoDelta = advancing ? rto : rto - (now - (lastSendOfHead ?? now))
        if rtoDelta > .zero { timeout = min(timeout, rtoDelta) }
        cancelTimer(.retransmit)
        setTimer(.lossProbe, now + timeout)
        return true
    }

    /// Linux tcp_send_loss_probe(): send one new segment if the windows allow, else retransmit the
    /// last one; then the RTO takes over (no backoff for the probe itself). A probe sent restarts the
    /// RTO from now, a full RTO ("Reset s.t. tcp_rearm_rto will restart timer from now":
    /// icsk_pending = 0); without one it stays measured from the head segment (tcp_rto_delta_us()).
    func sendLossProbe(now: Instant) {
        var probed = false
        if tlpHighSeq == nil {
            let before = sndNxt
            if (sndNxt - bufStart) < sendBuffer.count { writeXmit(now: now, maxSegments: 1, probing: true) }
            probed = sndNxt != before
            if sndNxt == before, packetsOut > 0 {
                probed = true
                let last = flight[flight.count - 1]
                let offset = last.seq - bufStart
                let payload = sendBuffer.peek(offset: offset, count: last.len)
                var flags: TCPFlags = [.ack]
                if last.fin { flags.insert(.fin) }
                if last.len > 0 && offset + last.len == sendBuffer.count { flags.insert(.psh) }
                emit(makeSegment(seq: last.seq, flags: flags, payload: payload, now: now), now: now, note: .lossProbe())
                flight[flight.count - 1].sentAt = now
                flight[flight.count - 1].retrans = true
            }
            if probed { tlpHighSeq = sndNxt }   // (tp->tlp_high_seq is recorded only for a probe sent)
        }
        if probed { armRTO(now + rto) } else { rearmRTO(now: now, fromProbe: true) }
    }

    /// Linux tcp_write_timeout(): true if the connection was given up (ETIMEDOUT, no RST sent).
    func writeTimeout(now: Instant) -> Bool {
        var expired: Bool
        if state == .SYN_SENT || state == .SYN_RECV {
            var maxRetransmits = sysctls.tcp_syn_retries
            if state == .SYN_SENT { maxRetransmits += sysctls.tcp_syn_linear_timeouts }
            expired = retransmits >= maxRetransmits
        } else {
            let boundary = orphan ? orphanRetries : sysctls.tcp_retries2
            expired = retransmitsTimedOut(boundary: boundary, now: now)
        }
        if opts.userTimeoutMs > 0, let start = retransStamp, retransmits > 0 {
            expired = now - start >= .ms(Int64(opts.userTimeoutMs))
        }
        guard expired else { return false }
        // tcp_write_err(): sk_err = sk_err_soft ?: ETIMEDOUT, tcp_done(); nothing is sent.
        pendingError = softError ?? .ETIMEDOUT
        done()
        return true
    }

    /// tcp_orphan_retries(): 0 means 8 (while the RTO is below TCP_RTO_MAX).
    var orphanRetries: Int { sysctls.tcp_orphan_retries == 0 ? 8 : sysctls.tcp_orphan_retries }

    /// Linux retransmits_timed_out() + tcp_model_timeout(): the budget is the time `boundary`
    /// doublings from TCP_RTO_MIN would take (924.6 s for tcp_retries2 = 15).
    func retransmitsTimedOut(boundary: Int, now: Instant) -> Bool {
        guard retransmits > 0, let start = retransStamp else { return false }
        let rtoBase: Int64 = 200_000
        let thresh = 9   // ilog2(TCP_RTO_MAX / TCP_RTO_MIN)
        let timeout: Int64
        if boundary <= thresh {
            timeout = ((2 << Int64(boundary)) - 1) * rtoBase
        } else {
            timeout = ((2 << Int64(thresh)) - 1) * rtoBase + Int64(boundary - thresh) * 120_000_000
        }
        return (now - start).us >= timeout
    }

    // MARK: Delayed ACK

    /// Linux tcp_delack_timer_handler(): send the pending ACK; outside pingpong the next delay
    /// doubles (up to the RTO), in pingpong the socket leaves interactive mode and ato resets to 40 ms.
    func delackTimer(now: Instant) {
        guard ackPending else { return }
        if !inPingpong {
            ato = min(ato * 2, rto)
        } else {
            pingpong = 0
            ato = .ms(40)
        }
        sendAck(now: now, note: .delayedAckFired())
    }

    // MARK: Keepalive

    var keepIdle: TimeSpan { .seconds(Int64(opts.keepIdle ?? sysctls.tcp_keepalive_time)) }
    var keepIntvl: TimeSpan { .seconds(Int64(opts.keepIntvl ?? sysctls.tcp_keepalive_intvl)) }
    var keepCnt: Int { opts.keepCnt ?? sysctls.tcp_keepalive_probes }

    /// Linux keepalive_time_elapsed(): time since the last segment or ACK received.
    func keepaliveTimeElapsed(now: Instant) -> TimeSpan { now - max(lastRecv, rcvTstamp) }

    /// Arm keepalive for a full keepalive_time from now: after the handshake (tcp_finish_connect(),
    /// tcp_create_openreq_child()) or when SO_KEEPALIVE is turned on (tcp_set_keepalive()).
    func armKeepalive(now: Instant) {
        guard opts.keepAlive, [.ESTABLISHED, .CLOSE_WAIT, .FIN_WAIT_1, .FIN_WAIT_2].contains(state) else {
            cancelTimer(.keepalive)
            return
        }
        setTimer(.keepalive, now + keepIdle)
    }

    /// TCP_KEEPIDLE changed (Linux tcp_sock_set_keepidle_locked()): with keepalive on, re-arm for
    /// what is left of the new idle time, max(0, keepalive_time - elapsed); never in the past.
    func keepIdleChanged(now: Instant) {
        guard opts.keepAlive, [.ESTABLISHED, .CLOSE_WAIT, .FIN_WAIT_1, .FIN_WAIT_2].contains(state) else { return }
        setTimer(.keepalive, now + max(.zero, keepIdle - keepaliveTimeElapsed(now: now)))
    }

    /// Linux tcp_keepalive_timer(): after keepalive_time idle, probe every keepalive_intvl; after
    /// keepalive_probes unanswered probes, RST|ACK and ETIMEDOUT.
    func keepaliveTimer(now: Instant) {
        guard opts.keepAlive, state.isSynchronized, state != .TIME_WAIT else { return }
        // No probes while data is in flight or queued: the RTO logic governs.
        if sndUna < sndMax || sendBuffer.count > 0 {
            setTimer(.keepalive, now + keepIdle)
            return
        }
        let idle = keepaliveTimeElapsed(now: now)
        if idle >= keepIdle {
            let userTimeout = TimeSpan.ms(Int64(opts.userTimeoutMs))
            if (opts.userTimeoutMs > 0 && idle >= userTimeout && probesOut > 0) || (opts.userTimeoutMs == 0 && probesOut >= keepCnt) {
                sendActiveReset(now: now, note: nil)
                pendingError = softError ?? .ETIMEDOUT
                done()
                return
            }
            sendProbe(now: now)
            probesOut += 1
            setTimer(.keepalive, now + keepIntvl)
        } else {
            setTimer(.keepalive, now + (keepIdle - idle))
        }
    }

    // MARK: Zero-window probe

    func armPersist(now: Instant) {
        probeBackoff = 0
        probesTstamp = nil
        setTimer(.persist, now + max(rto, .ms(200)))
    }

    /// Linux tcp_probe_timer() + tcp_send_probe0() + tcp_write_wakeup(): if the peer's window has a
    /// little room, send what fits (a partial segment); if it is zero, send a probe (seq = snd_una − 1).
    /// Either way back off like the RTO. RFC 1122 §4.2.2.17 keeps probing as long as the peer answers
    /// (each ACK resets icsk_probes_out, see processAck()); unanswered, the connection is given up
    /// (tcp_write_err(), ETIMEDOUT) once tcp_retries2 probes went out — tcp_orphan_retries for an
    /// orphan — or TCP_USER_TIMEOUT has passed since the first probe (icsk_probes_tstamp).
    func probeTimer(now: Instant) {
        let unsent = sendBuffer.count - (sndNxt - bufStart)
        guard unsent > 0, sndUna >= sndNxt else {
            // packets_out or nothing to send: the retransmission timer governs.
            probesOut = 0
            probesTstamp = nil
            return
        }
        var abort = false
        if let start = probesTstamp {
            if opts.userTimeoutMs > 0 && now - start >= .ms(Int64(opts.userTimeoutMs)) { abort = true }
        } else {
            probesTstamp = now
        }
        if !abort {
            var maxProbes = sysctls.tcp_retries2
            if orphan {
                // inet_csk_rto_backoff() < TCP_RTO_MAX, tcp_orphan_retries(sk, alive).
                let alive = (rto.us << Int64(min(probeBackoff, 40))) < TimeSpan.seconds(120).us
                maxProbes = sysctls.tcp_orphan_retries == 0 && alive ? 8 : sysctls.tcp_orphan_retries
                if !alive && probeBackoff >= maxProbes { abort = true }
            }
            if probesOut >= maxProbes { abort = true }
        }
        if abort {
            // tcp_write_err(): sk_err = sk_err_soft ?: ETIMEDOUT, tcp_done(); nothing is sent.
            pendingError = softError ?? .ETIMEDOUT
            done(note: .zeroWindowProbeTimeout())
            return
        }
        let room = (sndUna + sndWnd) - sndNxt
        if room > 0 {
            let n = min(room, mss, unsent)
            let offset = sndNxt - bufStart
            var flags: TCPFlags = [.ack]
            if n == unsent { flags.insert(.psh) }
            emit(makeSegment(seq: sndNxt, flags: flags, payload: sendBuffer.peek(offset: offset, count: n), now: now), now: now)
            recordFlight(seq: sndNxt, len: n, fin: false, now: now)
            sndNxt = sndNxt + n
            if !xmitTimerArmed { armRTO(now + rto) }
            // tcp_send_probe0(): with packets out the probe timer is not needed; the RTO governs, and
            // probing starts afresh (probes_out, backoff, probes_tstamp = 0) if the window closes again.
            probesOut = 0
            probeBackoff = 0
            probesTstamp = nil
            return
        } else {
            sendProbe(now: now)
        }
        probesOut += 1
        // tcp_send_probe0(): icsk_backoff grows with each probe; tcp_probe0_when() = RTO << backoff, ≤ 120 s.
        probeBackoff = min(probeBackoff + 1, sysctls.tcp_retries2)
        setTimer(.persist, now + probe0When(now: now))
    }

    /// Linux tcp_probe0_when() (max(RTO, TCP_RTO_MIN) << icsk_backoff, ≤ TCP_RTO_MAX) clamped by
    /// tcp_clamp_probe0_to_user_timeout() (never past TCP_USER_TIMEOUT, at least TCP_TIMEOUT_MIN).
    func probe0When(now: Instant) -> TimeSpan {
        var when = min(TimeSpan(us: max(rto.us, 200_000) << Int64(min(probeBackoff, 20))), .seconds(120))
        if opts.userTimeoutMs > 0, let start = probesTstamp {
            let remaining = max(.ms(Int64(opts.userTimeoutMs)) - max(.zero, now - start), .ms(8))
            when = min(when, remaining)
        }
        return when
    }

    /// Linux tcp_ack_probe(): an ACK while nothing was in flight. If the window now takes the next
    /// segment, probing is over (backoff and probes_tstamp reset; tcp_data_snd_check() sends);
    /// otherwise the probe timer restarts from this ACK with the current backoff.
    func ackProbe(now: Instant) {
        let unsent = sendBuffer.count - (sndNxt - bufStart)
        guard unsent > 0 else { return }
        if sndNxt + min(unsent, mss) <= sndUna + sndWnd {
            probeBackoff = 0
            probesTstamp = nil
            cancelTimer(.persist)
        } else {
            setTimer(.persist, now + probe0When(now: now))
        }
    }
}
