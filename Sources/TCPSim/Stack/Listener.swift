// A listening socket: the SYN (request) queue and the accept queue. Mirrors Linux
// net/ipv4/inet_connection_sock.c (inet_csk_accept, reqsk_timer_handler, inet_csk_listen_stop),
// tcp_input.c tcp_conn_request(), tcp_minisocks.c tcp_check_req(), tcp_ipv4.c tcp_v4_syn_recv_sock(),
// syncookies.c; RFC 9293 §3.10.7.2, RFC 4987 (SYN cookies).

/// A request socket (Linux struct request_sock, state TCP_NEW_SYN_RECV): a half-open connection.
struct RequestSock {
    var name: String
    var tuple: FourTuple
    var iss: SeqNum
    var irs: SeqNum
    var synOptions: TCPOptions
    var numTimeout = 0
    /// SYN-ACK retransmissions, by the timer or for a retransmitted SYN (req->num_retrans).
    var numRetrans = 0
    /// Linux reqsk_timeout(): the wait for the next SYN-ACK, 1 s << num_timeout, at most TCP_RTO_MAX.
    var timeout: TimeSpan { min(TimeSpan.seconds(1) * Int64(1 << min(numTimeout, 20)), .seconds(120)) }
    /// The last SYN-ACK sent for a retransmitted SYN (tcp_rsk(req)->last_oow_ack_time).
    var lastOowAck: Instant? = nil
    var deadline: Instant
    var tsOffset: UInt32
    /// The final ACK came while the accept queue was full (tcp_abort_on_overflow = 0): keep it.
    var acked = false
    /// When the (first) SYN-ACK was sent, for the child's first RTT sample (tcp_rsk(req)->snt_synack).
    var synAckSentAt: Instant? = nil
}

/// What a listener asks its host to do.
enum ListenerAction {
    case transmit(Segment, retransmit: Bool, note: Note?)
    case drop(DropReason, note: Note?)
    /// Answer the segment with an RST built from it (tcp_v4_send_reset()).
    case resetReply(Segment, note: Note?)
    case queueChanged(note: Note?)
    case requestState(name: String, from: TCPState, to: TCPState, note: Note?)
    /// A new connection entered the accept queue; the host registers it under its 4-tuple.
    case childCreated(Endpoint, ack: Segment, announce: Bool)
    case setRequestTimer(FourTuple, Instant)
}

final class Listener {
    let host: String
    let name: String
    let local: SocketAddress
    var sysctls: Sysctls
    var opts: SocketOptions
    /// sk_max_ack_backlog: listen()'s backlog clamped by somaxconn.
    var backlog: Int
    var synQueue: [FourTuple: RequestSock] = [:]
    var synOrder: [FourTuple] = []
    var acceptQueue: [Endpoint] = []
    var actions: [ListenerAction] = []
    /// Names for the connections this listener will create, in order (the scenario's accept steps).
    var childNames: [String] = []
    var childCount = 0
    var cookieSecret: UInt64

    init(host: String, name: String, local: SocketAddress, backlog: Int, sysctls: Sysctls, opts: SocketOptions, cookieSecret: UInt64) {
        self.host = host
        self.name = name
        self.local = local
        self.sysctls = sysctls
        self.opts = opts
        // __sys_listen(): backlog = min(backlog, somaxconn).
        self.backlog = max(0, min(backlog, sysctls.somaxconn))
        self.cookieSecret = cookieSecret
    }

    /// Linux sk_acceptq_is_full(): strictly greater, so the queue holds backlog + 1 (commit 64a146513f8f).
    var acceptQueueFull: Bool { acceptQueue.count > backlog }
    /// Linux 6.18 inet_csk_reqsk_queue_is_full(): qlen > backlog (the 2025 change from >=).
    var synQueueFull: Bool { synQueue.count > backlog }

    func nextChildName() -> String {
        childCount += 1
        return childCount <= childNames.count ? childNames[childCount - 1] : "\(name)#\(childCount)"
    }

    /// A segment for this listener (no established socket matched). `isn` is set when a TIME_WAIT
    /// socket handed over a new SYN (TCP_TW_SYN).
    func handle(_ seg: Segment, now: Instant, isn: SeqNum?, host: Host, makeEndpoint: (FourTuple, String) -> Endpoint) {
        let tuple = FourTuple(local: seg.dst, remote: seg.src)
        if var req = synQueue[tuple] {
            checkReq(&req, seg, now: now, makeEndpoint: makeEndpoint)
            return
        }
        if seg.flags.contains(.rst) { actions.append(.drop(.TCP_RESET, note: nil)); return }
        if seg.flags.contains(.ack) {
            // A cookie ACK? (cookie_v4_check()): the ACK acknowledges a SYN-ACK we kept no state for.
            if !seg.flags.contains(.syn), sysctls.tcp_syncookies != 0, let opts = cookieCheck(seg, now: now) {
                if acceptQueueFull {
                    // tcp_abort_on_overflow does not apply to cookie ACKs (observed on Linux 6.18).
                    actions.append(.drop(.LISTEN_OVERFLOW, note: .cookieAckDropped()))
                    return
                }
                var req = RequestSock(name: nextChildName(), tuple: tuple, iss: seg.ack - 1, irs: seg.seq - 1,
                                      synOptions: opts, deadline: now, tsOffset: 0)
                createChild(&req, seg, now: now, announce: true, makeEndpoint: makeEndpoint)
                return
            }
            // RFC 9293 §3.10.7.2: an ACK to a listener draws RST (seq = SEG.ACK).
            actions.append(.resetReply(seg, note: nil))
            actions.append(.drop(.NO_SOCKET, note: nil))
            return
        }
        guard seg.flags.contains(.syn) else { actions.append(.drop(.TCP_FLAGS, note: nil)); return }
        if seg.flags.contains(.fin) { actions.append(.drop(.TCP_FLAGS, note: nil)); return }
        connRequest(seg, tuple: tuple, now: now, isn: isn, host: host)
    }

    /// Linux tcp_conn_request().
    func connRequest(_ seg: Segment, tuple: FourTuple, now: Instant, isn: SeqNum?, host: Host) {
        // Linux ≤ 4.11, tcp_tw_recycle = 1 (tcp_v4_conn_request() → tcp_peer_is_proven()): a SYN whose
        // timestamp is older than the one remembered for its source IP in the last 60 s (TCP_PAWS_MSL)
        // is dropped silently (PAWSPassiveRejected). Behind a NAT, hosts with unrelated clocks share an IP.
        if sysctls.tcp_tw_recycle != 0, let v = seg.options.tsVal, let peer = host.peerTimestamps[tuple.remote.ip],
           now - peer.at < .seconds(60), Int32(bitPattern: peer.ts &- v) > 1 {
            actions.append(.drop(.TCP_RFC7323_PAWS, note: .twRecycleDrop()))
            return
        }
        var wantCookie = false
        if isn == nil && (sysctls.tcp_syncookies == 2 || synQueueFull) {
            // tcp_syn_flood_action(): cookies if enabled, else drop.
            guard sysctls.tcp_syncookies != 0 else {
                actions.append(.drop(.TCP_REQQFULLDROP, note: .synDroppedSynQueueFull()))
                return
            }
            wantCookie = true
        }
        if acceptQueueFull {
            // The accept queue is full: drop the SYN, cookies or not (ListenOverflows).
            actions.append(.drop(.LISTEN_OVERFLOW, note: .synDroppedAcceptQueueFull()))
            return
        }
        if !wantCookie && sysctls.tcp_syncookies == 0 && isn == nil
            && sysctls.tcp_max_syn_backlog - synQueue.count < sysctls.tcp_max_syn_backlog >> 2 {
            // Without cookies, keep the last quarter of tcp_max_syn_backlog for proven peers.
            actions.append(.drop(.TCP_REQQFULLDROP, note: .synDroppedSynQueueFull()))
            return
        }
        var o = seg.options
        if sysctls.tcp_timestamps == 0 { o.tsVal = nil }
        if sysctls.tcp_sack == 0 { o.sackPermitted = false }
        if sysctls.tcp_window_scaling == 0 { o.windowScale = nil }
        if wantCookie {
            // Cookie SYN-ACK: nothing stored. Without timestamps the cookie cannot carry wscale/SACK.
            if o.tsVal == nil { o.windowScale = nil; o.sackPermitted = false }
            let cookie = makeCookie(tuple: tuple, irs: seg.seq, mss: o.mss ?? 536, now: now)
            let req = RequestSock(name: "\(name)/cookie", tuple: tuple, iss: cookie, irs: seg.seq, synOptions: o, deadline: now,
                                  tsOffset: host.tsOffset(local: tuple.local.ip, remote: tuple.remote.ip))
            actions.append(.transmit(makeSynAck(req, now: now), retransmit: false, note: .synCookie()))
            return
        }
        let iss = isn ?? host.isn(tuple, at: now)
        var req = RequestSock(name: nextChildName(), tuple: tuple, iss: iss, irs: seg.seq, synOptions: o,
                              deadline: now + .seconds(1), tsOffset: host.tsOffset(local: tuple.local.ip, remote: tuple.remote.ip))
        req.synAckSentAt = now
        synQueue[tuple] = req
        synOrder.append(tuple)
        actions.append(.requestState(name: req.name, from: .LISTEN, to: .SYN_RECV, note: nil))
        actions.append(.queueChanged(note: .synQueued(synQueue.count, backlog)))
        actions.append(.transmit(makeSynAck(req, now: now), retransmit: false, note: nil))
        actions.append(.setRequestTimer(tuple, req.deadline))
    }

    /// Linux tcp_make_synack(): SYN|ACK, seq = ISS, ack = IRS + 1, options mirroring the SYN's,
    /// window from tcp_select_initial_window() with the timestamp-adjusted MSS (65160 on 6.18).
    func makeSynAck(_ req: RequestSock, now: Instant) -> Segment {
        let o = req.synOptions
        let ts = o.tsVal != nil
        let routeMss = advMss(req.tuple)
        let mss = routeMss - (ts ? 12 : 0)
        var space = Endpoint.winFromSpace(sysctls.tcp_rmem[1])
        if space > mss { space = space / mss * mss }
        var out = TCPOptions()
        out.mss = UInt16(routeMss)
        if o.sackPermitted { out.sackPermitted = true }
        if let v = o.tsVal { out.timestamp = (UInt32(truncatingIfNeeded: now.ms) &+ req.tsOffset, v) }
        if o.windowScale != nil { out.windowScale = Listener.rcvWscale(sysctls) }
        return Segment(src: req.tuple.local, dst: req.tuple.remote, seq: req.iss, ack: req.irs + 1, flags: [.syn, .ack],
                       window: UInt16(min(space, 65535)), options: out)
    }

    /// The advertised MSS of the route to the peer (Host.advMss(to:)), captured at listen().
    var routeMss: (IPv4) -> Int = { $0.isLoopback ? 65495 : 1460 }

    func advMss(_ t: FourTuple) -> Int {
        t.remote.ip == t.local.ip ? 65495 : routeMss(t.remote.ip)
    }

    static func rcvWscale(_ s: Sysctls) -> UInt8 {
        let maxSpace = max(s.tcp_rmem[2], 212_992)
        var log = 0
        while (1 << (log + 1)) <= maxSpace { log += 1 }
        return UInt8(min(max(log - 15, 0), 14))
    }

    /// Linux tcp_check_req(): a segment for a request socket.
    func checkReq(_ req: inout RequestSock, _ seg: Segment, now: Instant, makeEndpoint: (FourTuple, String) -> Endpoint) {
        let tuple = req.tuple
        // A retransmitted SYN: resend the SYN-ACK (tcp_check_req(), rate limited by inet_rtx_syn_ack).
        if seg.flags.contains(.syn) && !seg.flags.contains(.ack) && seg.seq == req.irs {
            // At most one answer per tcp_invalid_ratelimit (tcp_oow_rate_limited()); an answer pushes
            // the request timer back ("Reset timer after retransmitting SYNACK": mod_timer_pending()
            // to now + reqsk_timeout(), 1 s << num_timeout).
            if let last = req.lastOowAck, now - last < .ms(Int64(sysctls.tcp_invalid_ratelimit)) { return }
            req.lastOowAck = now
            actions.append(.transmit(makeSynAck(req, now: now), retransmit: true, note: nil))
            req.numRetrans += 1   // inet_rtx_syn_ack()
            req.deadline = now + req.timeout
            synQueue[tuple] = req
            actions.append(.setRequestTimer(tuple, req.deadline))
            return
        }
        if seg.flags.contains(.ack) && seg.ack != req.iss + 1 {
            // "ACK for a different SYN-ACK": reset (seq = SEG.ACK).
            if !seg.flags.contains(.rst) { actions.append(.resetReply(seg, note: nil)) }
            actions.append(.drop(.TCP_SYN_RECV_ACK_INVALID, note: nil))
            return
        }
        if seg.flags.contains(.rst) || seg.flags.contains(.syn) {
            // RST or a new SYN kills the request (an RST is answered by nothing).
            if !seg.flags.contains(.rst) { actions.append(.resetReply(seg, note: nil)) }
            removeRequest(tuple, to: .CLOSED)
            actions.append(.drop(seg.flags.contains(.rst) ? .TCP_RESET : .TCP_INVALID_SYN, note: nil))
            return
        }
        guard seg.flags.contains(.ack) else { actions.append(.drop(.TCP_FLAGS, note: nil)); return }
        // tcp_v4_syn_recv_sock(): the accept queue must have room.
        if acceptQueueFull {
            if sysctls.tcp_abort_on_overflow != 0 {
                actions.append(.resetReply(seg, note: .acceptQueueFullAbort()))
                removeRequest(tuple, to: .CLOSED)
                actions.append(.drop(.LISTEN_OVERFLOW, note: .acceptQueueFullAbort()))
            } else {
                req.acked = true
                synQueue[tuple] = req
                actions.append(.drop(.LISTEN_OVERFLOW, note: .acceptQueueFullDrop()))
            }
            return
        }
        synQueue[tuple] = nil
        synOrder.removeAll { $0 == tuple }
        createChild(&req, seg, now: now, announce: false, makeEndpoint: makeEndpoint)
    }

    /// Linux tcp_create_openreq_child() + inet_csk_complete_hashdance(): the child is born in SYN_RECV,
    /// joins the accept queue, and the ACK that completed it is processed (→ ESTABLISHED).
    func createChild(_ req: inout RequestSock, _ ack: Segment, now: Instant, announce: Bool, makeEndpoint: (FourTuple, String) -> Endpoint) {
        let ep = makeEndpoint(req.tuple, req.name)
        ep.iss = req.iss
        ep.irs = req.irs
        ep.sndUna = req.iss + 1
        ep.sndNxt = req.iss + 1
        ep.sndMax = req.iss + 1
        ep.bufStart = req.iss + 1
        ep.rcvNxt = req.irs + 1
        ep.rcvWup = req.irs + 1
        ep.tsOffset = req.tsOffset
        ep.negotiateOptions(from: Segment(src: req.tuple.remote, dst: req.tuple.local, seq: req.irs, flags: [.syn], options: req.synOptions), now: now)
        ep.advMss = advMss(req.tuple)
        if ep.wsOn { ep.rcvWscale = Listener.rcvWscale(sysctls) }
        ep.selectInitialWindow(mss: ep.advMss - (ep.tsOn ? 12 : 0))
        if !ep.wsOn { ep.rcvWscale = 0 }
        ep.sndWl1 = req.irs
        // tcp_synack_rtt_meas(): the first RTT sample, from the SYN-ACK if it was sent once, else only
        // through the timestamp echo (Karn); without either, tcp_init_metrics()'s 3 s RTO.
        if req.numRetrans == 0, let sent = req.synAckSentAt {
            ep.rttUpdate(now - sent)
        } else if let sample = ep.tsRttSample(ack, now: now) {
            ep.rttUpdate(sample)
        }
        // tcp_create_openreq_child(): a request that timed out sets undo_marker and carries
        // total_retrans = num_retrans, so tcp_init_transfer() starts the child with cwnd 1 after more
        // than one SYN-ACK retransmission, unless the ACK echoes the first SYN-ACK's timestamp (that
        // SYN-ACK did arrive: tcp_try_undo_spurious_syn()).
        let spurious = ep.tsOn && req.synAckSentAt.map { ack.options.tsEcr == ep.tsVal($0) } ?? false
        if req.numTimeout > 0 && req.numRetrans > 1 && !spurious { ep.totalRto = req.numRetrans }
        ep.parentListener = self
        ep.forceState(.SYN_RECV)
        acceptQueue.append(ep)
        actions.append(.childCreated(ep, ack: ack, announce: announce))
        actions.append(.queueChanged(note: .childToAcceptQueue(acceptQueue.count, backlog)))
    }

    func removeRequest(_ tuple: FourTuple, to state: TCPState) {
        guard let req = synQueue.removeValue(forKey: tuple) else { return }
        synOrder.removeAll { $0 == tuple }
        actions.append(.requestState(name: req.name, from: .SYN_RECV, to: state, note: nil))
        actions.append(.queueChanged(note: nil))
    }

    /// Linux reqsk_timer_handler(): resend the SYN-ACK at 1, 3, 7, 15, 31 s; drop the request when
    /// num_timeout reaches tcp_synack_retries (63 s with the default 5).
    func requestTimer(_ tuple: FourTuple, now: Instant) {
        guard var req = synQueue[tuple], req.deadline == now else { return }
        if req.numTimeout >= sysctls.tcp_synack_retries {
            removeRequest(tuple, to: .CLOSED)
            return
        }
        actions.append(.transmit(makeSynAck(req, now: now), retransmit: true, note: nil))
        req.numRetrans += 1
        req.numTimeout += 1
        req.deadline = now + req.timeout
        synQueue[tuple] = req
        actions.append(.setRequestTimer(tuple, req.deadline))
    }

    // MARK: SYN cookies (RFC 4987; Linux syncookies.c, simplified)

    /// A cookie ISN: a keyed hash of the 4-tuple, the peer's ISN and a 64 s time counter, with the
    /// MSS class in the low bits (Linux __cookie_v4_init_sequence()).
    func makeCookie(tuple: FourTuple, irs: SeqNum, mss: UInt16, now: Instant) -> SeqNum {
        let table: [UInt16] = [536, 1300, 1440, 1460]   // msstab
        let idx = table.lastIndex(where: { $0 <= mss }) ?? 0
        let count = UInt64(now.us / 64_000_000)
        return SeqNum(cookieHash(tuple, irs, count) &+ UInt32(idx))
    }

    func cookieHash(_ t: FourTuple, _ irs: SeqNum, _ count: UInt64) -> UInt32 {
        var g = SeededGenerator(seed: cookieSecret ^ UInt64(t.local.ip.value) << 32 ^ UInt64(t.remote.ip.value)
                                ^ UInt64(t.local.port) << 16 ^ UInt64(t.remote.port) ^ UInt64(irs.raw) << 20 ^ count)
        return UInt32(truncatingIfNeeded: g.next()) & ~3
    }

    /// Linux cookie_v4_check(): is SEG.ACK − 1 a cookie we issued in the last two minutes?
    func cookieCheck(_ seg: Segment, now: Instant) -> TCPOptions? {
        let tuple = FourTuple(local: seg.dst, remote: seg.src)
        let cookie = seg.ack - 1
        let irs = seg.seq - 1
        let count = UInt64(now.us / 64_000_000)
        for c in [count, count &- 1] where c <= count {
            let base = cookieHash(tuple, irs, c)
            let idx = cookie.raw &- base
            if idx < 4 {
                var o = TCPOptions()
                o.mss = [536, 1300, 1440, 1460][Int(idx)]
                if let v = seg.options.tsVal { o.timestamp = (v, 0); o.sackPermitted = sysctls.tcp_sack != 0; o.windowScale = 7 }
                return o
            }
        }
        return nil
    }
}

extension Endpoint {
    /// Set a state without a trace transition (a child is born in SYN_RECV, reported by the listener).
    func forceState(_ s: TCPState) { setStateSilently(s) }
}
