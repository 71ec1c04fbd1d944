// What the application's calls do to a connection, and TIME_WAIT's rules. Mirrors Linux
// net/ipv4/tcp.c (tcp_sendmsg, tcp_recvmsg, tcp_close, tcp_shutdown, tcp_disconnect) and
// tcp_minisocks.c (tcp_timewait_state_process); RFC 9293 §3.10.

/// The outcome of a read attempt.
enum ReadOutcome: Equatable {
    /// `count` bytes were read; `bytes` holds them, or only their first `keep` when the caller said so.
    case data(ArraySlice<UInt8>, count: Int)
    case eof
    case error(Errno)
    case wouldBlock
}

extension Endpoint {
    /// appRead() would return wouldBlock, and change nothing, whatever its arguments.
    var readWouldBlock: Bool {
        receiveQueue.isEmpty && !finReceived && pendingError == nil && !rcvShutdown && state != .CLOSED
    }

    /// Linux tcp_recvmsg(): queued data first, then a pending error once, then EOF (0).
    func appRead(max: Int, now: Instant, keep: Int = .max) -> ReadOutcome {
        if !receiveQueue.isEmpty {
            let n = min(max, receiveQueue.count)
            let bytes = receiveQueue.peek(offset: 0, count: min(n, keep))
            let before = receiveWindow
            receiveQueue.removeFirst(n)
            consumeReceived(n)
            copiedSeq = copiedSeq + n
            rcvSpaceAdjust(now: now)
            cleanupRbuf(copied: n, windowBefore: before, now: now)
            return .data(bytes, count: n)
        }
        // Linux tcp_recvmsg_locked() with nothing copied checks SOCK_DONE (set by tcp_fin()) before
        // sk_err: after a FIN, read() returns 0 even if an RST followed (CLOSE_WAIT → EPIPE
        // pending), and the error stays for the next write().
        if finReceived { finRead = true; return .eof }
        if let e = pendingError { pendingError = nil; errorReported = true; return .error(e) }
        if rcvShutdown { return .eof }
        switch state {
        case .CLOSED:
            return errorReported || activeOpen || parentListener == nil ? .eof : .error(.ENOTCONN)
        case .SYN_SENT:
            return .wouldBlock
        default:
            return .wouldBlock
        }
    }

    /// Linux tcp_cleanup_rbuf(): after a read, ACK at once if an ACK was pending for a pushed small
    /// segment (outside pingpong), or if the window can now grow to at least twice what was offered.
    func cleanupRbuf(copied: Int, windowBefore: Int, now: Instant) {
        guard state.isSynchronized, state != .TIME_WAIT else { return }
        var timeToAck = false
        if ackPending && (ackPushed >= 2 || (ackPushed == 1 && !inPingpong)) { timeToAck = true }
        if !timeToAck && copied > 0 && !rcvShutdown && !finReceived {
            // "Optimize, __tcp_select_window() is not cheap": only when the window would at least double.
            let current = receiveWindow
            if 2 * current <= windowClamp {
                let newWindow = computeWindow()
                if newWindow > 0 && newWindow >= 2 * current { timeToAck = true }
            }
        }
        if timeToAck { sendAck(now: now) }
    }

    /// Linux tcp_rcv_space_adjust() (receive-buffer autotuning, tcp_moderate_rcvbuf = 1): once per
    /// RTT, if the application read more than last time, grow sk_rcvbuf to hold about twice what it
    /// reads per RTT (plus 16 segments), so the advertised window can follow the sender.
    func rcvSpaceAdjust(now: Instant) {
        let rtt = srtt > 0 ? srtt : 0
        guard rtt > 0, (now - rcvqTime).us >= rtt else { return }
        let copied = copiedSeq - rcvqSeq
        if copied > rcvqSpace, rcvqSpace > 0 {
            var rcvwin = 2 * copied + 16 * advMss
            let grow = rcvwin * (copied - rcvqSpace) / rcvqSpace
            rcvwin += 2 * grow
            let space = rcvwin * 256 / max(scalingRatio, 1)   // tcp_space_from_win()
            let newBuf = min(space, sysctls.tcp_rmem[2])
            if newBuf > rcvBuf {
                rcvBuf = newBuf
                windowClamp = winFromSpace(rcvBuf)
            }
            rcvqSpace = copied
        }
        rcvqSeq = copiedSeq
        rcvqTime = now
    }

    /// Space left in the send buffer (Linux sk_stream_wspace()).
    var sendSpace: Int { max(0, sndBuf - sendBuffer.count) }

    /// A writer blocked in write() (sk_stream_wait_memory()) stays asleep. sk_stream_write_space(),
    /// which tcp_check_space() calls as ACKs free room, wakes it only when the socket is writeable
    /// (__sk_stream_is_writeable(), include/net/sock.h): free space at least half of what is queued
    /// (sk_stream_wspace() >= sk_stream_min_wspace()) and below the buffer's size. So a blocked bulk
    /// writer refills the buffer in batches of a third of it or more, not after every ACK. An error,
    /// a shutdown or a state that cannot send wakes it at once (sk_error_report(), sk_state_change()).
    /// (Linux counts skb truesize in sk_wmem_queued; tcplab counts payload, as for sndBuf.)
    var blockedWriterSleeps: Bool {
        let space = sendSpace
        return (space == 0 || space < sendBuffer.count >> 1)
            && (state == .ESTABLISHED || state == .CLOSE_WAIT) && pendingError == nil && !sndShutdown
    }

    /// Linux tcp_sendmsg(): queue what fits and push. Returns bytes accepted, or an error.
    func appWrite(_ bytes: ArraySlice<UInt8>, now: Instant) -> Result<Int, ErrnoError> {
        if let e = pendingError { pendingError = nil; errorReported = true; return .failure(ErrnoError(e)) }
        if sndShutdown || finQueued { return .failure(ErrnoError(.EPIPE)) }
        switch state {
        case .ESTABLISHED, .CLOSE_WAIT:
            break
        case .SYN_SENT, .SYN_RECV:
            return .success(0)   // sk_stream_wait_connect(): wait for the handshake
        default:
            return .failure(ErrnoError(.EPIPE))
        }
        let n = min(bytes.count, sendSpace)
        guard n > 0 else { return .success(0) }
        // tcp_skb_entail(): new data queued after an idle period may restart the window.
        slowStartAfterIdleCheck(now: now)
        sendBuffer.append(bytes.prefix(n))
        writeXmit(now: now)
        return .success(n)
    }

    /// Linux tcp_close(): RST if unread data (RFC 2525 §2.17) or SO_LINGER 0, else FIN via
    /// tcp_close_state(); the socket becomes an orphan the kernel finishes alone.
    func appClose(now: Instant) {
        orphan = true
        rcvShutdown = true
        sndShutdown = true
        parentListener = nil
        let unread = receiveQueue.count
        switch state {
        case .CLOSED:
            done()
        case .SYN_SENT:
            done()   // tcp_close_state(): SYN_SENT → CLOSE, nothing sent
        case .TIME_WAIT:
            break
        default:
            if unread > 0 {
                // TCPAbortOnClose: state CLOSE and an RST|ACK (tcp_send_active_reset()).
                sendActiveReset(now: now, note: .closeUnreadRST())
                done(note: .closeUnreadRST())
            } else if opts.linger == 0 {
                // tcp_disconnect(): RST only from the states tcp_need_reset() lists.
                if [.ESTABLISHED, .CLOSE_WAIT, .FIN_WAIT_1, .FIN_WAIT_2, .SYN_RECV].contains(state) {
                    sendActiveReset(now: now, note: .lingerZeroRST())
                }
                done(note: .lingerZeroRST())
            } else {
                closeState(now: now)
                if state == .FIN_WAIT_2 {
                    // Already half-closed by shutdown(): now orphaned, so the FIN_WAIT_2 timeout applies
                    // (tcp_close(): tcp_time_wait(sk, TCP_FIN_WAIT2, tmo) when tmo ≤ TCP_TIMEWAIT_LEN).
                    enterOrphanFinWait2(now: now)
                }
            }
        }
    }

    /// Linux tcp_close_state() + tcp_send_fin(): ESTABLISHED/SYN_RECV → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK.
    func closeState(now: Instant) {
        switch state {
        case .ESTABLISHED, .SYN_RECV:
            setState(.FIN_WAIT_1)
            queueFin(now: now)
        case .CLOSE_WAIT:
            setState(.LAST_ACK)
            queueFin(now: now)
        default:
            break
        }
    }

    /// Linux tcp_shutdown(): SHUT_WR sends FIN from ESTABLISHED/SYN_RECV/CLOSE_WAIT (SYN_SENT just
    /// closes); SHUT_RD only marks the receive side and sends nothing.
    func appShutdown(read: Bool, write: Bool, now: Instant) {
        if read { rcvShutdown = true }
        guard write, !sndShutdown else { return }
        sndShutdown = true
        switch state {
        case .SYN_SENT:
            done()
        case .ESTABLISHED, .SYN_RECV, .CLOSE_WAIT:
            pendingNote = .shutdownWrite()
            closeState(now: now)
            pendingNote = nil
        default:
            break
        }
    }

    // MARK: TIME_WAIT

    /// What a TIME_WAIT socket decided about a segment (tcp_timewait_state_process()'s return).
    enum TimeWaitVerdict: Equatable {
        case success
        case ack
        /// A new SYN may reuse the 4-tuple; the listener should accept it with this ISN.
        case syn(isn: SeqNum)
        case rst
    }

    /// Linux tcp_timewait_state_process() for the TIME_WAIT substate (RFC 1337, RFC 6191).
    @discardableResult
    func timeWaitProcess(_ seg: Segment, now: Instant) -> TimeWaitVerdict {
        let pawsReject = pawsReject(seg, now: now)
        if !pawsReject && seg.seq == rcvNxt && (seg.seqLen == 0 || seg.flags.contains(.rst)) {
            if seg.flags.contains(.rst) {
                // TIME_WAIT assassination (RFC 1337): Linux lets the RST kill it unless tcp_rfc1337 = 1.
                if sysctls.tcp_rfc1337 == 0 {
                    done()
                    return .rst
                }
                actions.append(.drop(.TCP_RFC1337, note: nil))
                return .success
            }
            // A bare in-window ACK: restart the 60 s, send nothing.
            setTimer(.timeWait, now + .seconds(60))
            return .success
        }
        // A new SYN with a higher sequence number or a newer timestamp may reuse the 4-tuple (RFC 6191).
        if seg.flags.contains(.syn) && !seg.flags.contains(.rst) && !seg.flags.contains(.ack) && !pawsReject {
            let newerTs = tsOn && seg.options.tsVal != nil && Int32(bitPattern: seg.options.tsVal! &- tsRecent) > 0
            if seg.seq > rcvNxt || newerTs {
                var isn = sndNxt + 65535 + 2
                if isn.raw == 0 { isn = isn + 1 }
                return .syn(isn: isn)
            }
        }
        if !seg.flags.contains(.rst) {
            if pawsReject || seg.flags.contains(.ack) { setTimer(.timeWait, now + .seconds(60)) }
            // tcp_timewait_check_oow_rate_limit(): the last ACK again, at most once per 500 ms
            // (segments with data are exempt).
            if seg.len > 0 && !seg.flags.contains(.syn) { return .ack }
            return oowRateLimited(now: now) ? .success : .ack
        }
        actions.append(.drop(.TIMEWAIT, note: nil))
        return .success
    }
}
