@testable import TCPSim
import Testing

/// The endpoint as a sans-IO state machine, driven from the peer's side (smoltcp style): feed a
/// segment at an instant, look at what it asks to transmit and which state it is in.
@Suite struct EndpointTests {
    static let a = SocketAddress(IPv4("10.0.0.1")!, 40000)
    static let b = SocketAddress(IPv4("10.0.0.2")!, 8888)
    static let iss = SeqNum(1000)
    static let irs = SeqNum(5000)

    /// A client that completed the handshake at t = 40 ms: snd_nxt = 1001, rcv_nxt = 5001. No timestamps.
    static func established(sysctls: Sysctls = Sysctls()) -> Endpoint {
        let ep = Endpoint(host: "client", name: "c", tuple: FourTuple(local: a, remote: b), sysctls: sysctls, opts: SocketOptions())
        ep.activeOpen = true
        ep.iss = iss
        ep.sndUna = iss
        ep.sndNxt = iss
        ep.sndMax = iss
        ep.bufStart = iss + 1
        ep.setState(.SYN_SENT)
        ep.sendSyn(now: .zero)
        var synAck = Segment(src: b, dst: a, seq: irs, ack: iss + 1, flags: [.syn, .ack], window: 65535)
        synAck.options.mss = 1460
        synAck.options.windowScale = 7
        ep.handle(synAck, now: Instant(us: 40_000))
        ep.actions.removeAll()
        return ep
    }

    static func peer(_ seq: SeqNum, _ flags: TCPFlags, ack: SeqNum = iss + 1, payload: ArraySlice<UInt8> = []) -> Segment {
        Segment(src: b, dst: a, seq: seq, ack: ack, flags: flags, window: 502, payload: payload)
    }

    /// What the endpoint transmitted since the last call, as "FLAGS seq ack len" with raw numbers.
    static func sent(_ ep: Endpoint) -> [String] {
        let out = ep.actions.compactMap { a -> String? in
            guard case let .transmit(s, _, _) = a else { return nil }
            return "\(s.flags) \(s.seq.raw) \(s.flags.contains(.ack) ? String(s.ack.raw) : "-") \(s.len)"
        }
        return out
    }

    static func drops(_ ep: Endpoint) -> [DropReason] {
        ep.actions.compactMap { if case let .drop(r, _) = $0 { return r }; return nil }
    }

    static func ms(_ v: Int64) -> Instant { Instant(us: v * 1000) }

    // RFC 5961 §4.2 / tcp_validate_incoming(): any SYN in a synchronized state gets a challenge ACK.
    @Test func synInEstablishedDrawsChallengeAck() {
        let ep = Self.established()
        ep.handle(Self.peer(SeqNum(777), [.syn]), now: Self.ms(100))
        #expect(Self.sent(ep) == ["ACK 1001 5001 0"])
        #expect(Self.drops(ep) == [.TCP_INVALID_SYN])
        #expect(ep.state == .ESTABLISHED)
    }

    // __tcp_oow_rate_limited(): one challenge ACK per 500 ms (tcp_invalid_ratelimit) per socket.
    @Test func challengeAcksAreRateLimited() {
        let ep = Self.established()
        ep.handle(Self.peer(SeqNum(777), [.syn]), now: Self.ms(100))
        ep.actions.removeAll()
        ep.handle(Self.peer(SeqNum(778), [.syn]), now: Self.ms(599))
        #expect(Self.sent(ep).isEmpty)
        ep.actions.removeAll()
        ep.handle(Self.peer(SeqNum(779), [.syn]), now: Self.ms(600))
        #expect(Self.sent(ep) == ["ACK 1001 5001 0"])
    }

    // RFC 5961 §3.2: an in-window RST that is not exactly rcv_nxt draws a challenge ACK, no reset.
    @Test func inWindowInexactRstDrawsChallengeAck() {
        let ep = Self.established()
        ep.handle(Self.peer(Self.irs + 101, [.rst]), now: Self.ms(100))
        #expect(Self.sent(ep) == ["ACK 1001 5001 0"])
        #expect(ep.state == .ESTABLISHED)
    }

    // RFC 5961 §3.2: an RST exactly at rcv_nxt resets the connection: ECONNRESET, no TIME_WAIT.
    @Test func exactRstResets() {
        let ep = Self.established()
        ep.handle(Self.peer(Self.irs + 1, [.rst]), now: Self.ms(100))
        #expect(ep.state == .CLOSED)
        #expect(ep.pendingError == .ECONNRESET)
        #expect(Self.sent(ep).isEmpty)
    }

    // tcp_sequence(): an RST outside the window is dropped without reply.
    @Test func outOfWindowRstIsIgnored() {
        let ep = Self.established()
        ep.handle(Self.peer(Self.irs + 1_000_000, [.rst]), now: Self.ms(100))
        #expect(ep.state == .ESTABLISHED)
        #expect(Self.sent(ep).isEmpty)
        #expect(Self.drops(ep) == [.TCP_RESET])
    }

    // RFC 9293 §3.10.7.4 (SYN_SENT): an ACK for something we never sent draws RST seq = SEG.ACK.
    @Test func synSentAnswersBadAckWithReset() {
        let ep = Endpoint(host: "client", name: "c", tuple: FourTuple(local: Self.a, remote: Self.b), sysctls: Sysctls(), opts: SocketOptions())
        ep.iss = Self.iss; ep.sndUna = Self.iss; ep.sndNxt = Self.iss; ep.sndMax = Self.iss; ep.bufStart = Self.iss + 1
        ep.setState(.SYN_SENT)
        ep.sendSyn(now: .zero)
        ep.actions.removeAll()
        ep.handle(Self.peer(Self.irs, [.ack], ack: SeqNum(99)), now: Self.ms(40))
        let replies = ep.actions.compactMap { a -> Segment? in if case let .resetReply(s, _) = a { return s }; return nil }
        #expect(replies.count == 1)
        #expect(Host.resetFor(replies[0]).map { "\($0.flags) \($0.seq.raw)" } == "RST 99")
        // ... and retries its SYN after TCP_TIMEOUT_MIN (2 jiffies) instead of a full RTO.
        #expect(ep.timers[.retransmit] == Self.ms(48))
    }

    /// Drive the client through an active close into TIME_WAIT at t = 1.08 s.
    static func timeWait(sysctls: Sysctls = Sysctls()) -> Endpoint {
        let ep = established(sysctls: sysctls)
        ep.appClose(now: ms(1000))                             // FIN seq 1001
        ep.handle(peer(irs + 1, [.ack], ack: iss + 2), now: ms(1040))   // ACK of FIN → FIN_WAIT_2
        ep.handle(peer(irs + 1, [.fin, .ack], ack: iss + 2), now: ms(1080)) // peer FIN → TIME_WAIT
        return ep
    }

    // tcp_fin() in FIN_WAIT_2: immediate ACK, TIME_WAIT for TCP_TIMEWAIT_LEN = 60 s.
    @Test func finWait2ReceivingFinEntersTimeWaitFor60s() {
        let ep = Self.timeWait()
        #expect(ep.state == .TIME_WAIT)
        #expect(Self.sent(ep).last == "ACK 1002 5002 0")
        #expect(ep.timers[.timeWait] == Self.ms(61_080))
    }

    // tcp_timewait_state_process(): a retransmitted FIN gets the last ACK again and restarts the 60 s.
    @Test func timeWaitAnswersRetransmittedFinWithLastAck() {
        let ep = Self.timeWait()
        ep.actions.removeAll()
        let v = ep.timeWaitProcess(Self.peer(Self.irs + 1, [.fin, .ack], ack: Self.iss + 2), now: Self.ms(2000))
        #expect(v == .ack)
        #expect(ep.timers[.timeWait] == Self.ms(62_000))
    }

    // RFC 6191 / TCP_TW_SYN: a SYN above rcv_nxt may reuse the 4-tuple with ISN = snd_nxt + 65537.
    @Test func timeWaitAcceptsNewerSyn() {
        let ep = Self.timeWait()
        let v = ep.timeWaitProcess(Self.peer(Self.irs + 10_000, [.syn], ack: SeqNum(0)), now: Self.ms(3000))
        #expect(v == .syn(isn: Self.iss + 2 + 65537))
    }

    // An old SYN (seq below rcv_nxt) is answered with the last ACK (the "fourth wave" again).
    @Test func timeWaitAnswersOldSynWithLastAck() {
        let ep = Self.timeWait()
        let v = ep.timeWaitProcess(Self.peer(Self.irs - 10, [.syn], ack: SeqNum(0)), now: Self.ms(3000))
        #expect(v == .ack)
    }

    // RFC 1337: tcp_rfc1337 = 0 lets an exact RST kill TIME_WAIT; = 1 ignores it.
    @Test(arguments: [0, 1]) func timeWaitRst(rfc1337: Int) {
        var s = Sysctls()
        s.tcp_rfc1337 = rfc1337
        let ep = Self.timeWait(sysctls: s)
        _ = ep.timeWaitProcess(Self.peer(Self.irs + 2, [.rst], ack: SeqNum(0)), now: Self.ms(3000))
        #expect(ep.state == (rfc1337 == 0 ? .CLOSED : .TIME_WAIT))
    }

    // tcp_rcv_state_process(): data for a close()d socket in FIN_WAIT_1/2 aborts it with RST (TCPAbortOnData).
    @Test func orphanReceivingDataResets() {
        let ep = Self.established()
        ep.appClose(now: Self.ms(1000))
        ep.actions.removeAll()
        ep.handle(Self.peer(Self.irs + 1, [.ack, .psh], ack: Self.iss + 2, payload: Array("late".utf8)[...]), now: Self.ms(1040))
        #expect(ep.state == .CLOSED)
        let replies = ep.actions.compactMap { a -> Segment? in if case let .resetReply(s, _) = a { return s }; return nil }
        #expect(replies.compactMap(Host.resetFor).map { "\($0.flags) \($0.seq.raw)" } == ["RST 1002"])
    }

    // Linux keepalive: probe = ACK with seq = snd_una − 1 after tcp_keepalive_time idle.
    @Test func keepaliveProbeForm() {
        let ep = Self.established()
        ep.opts.keepAlive = true
        ep.opts.keepIdle = 10
        ep.armKeepalive(now: Self.ms(40))
        #expect(ep.timers[.keepalive] == Self.ms(10_040))
        ep.actions.removeAll()
        ep.timerFired(.keepalive, now: Self.ms(10_040))
        #expect(Self.sent(ep) == ["ACK 1000 5001 0"])
        #expect(ep.timers[.keepalive] == Self.ms(10_040 + 75_000))
    }
}

/// The listener as a sans-IO machine: queues, SYN-ACK retransmission, overflow.
@Suite struct ListenerTests {
    static let server = SocketAddress(IPv4("10.0.0.2")!, 8888)

    static func syn(port: UInt16, seq: UInt32 = 100) -> Segment {
        var s = Segment(src: SocketAddress(IPv4("10.0.0.1")!, port), dst: server, seq: SeqNum(seq), flags: [.syn], window: 64240)
        s.options.mss = 1460
        return s
    }

    static func listener(backlog: Int, sysctls: Sysctls = Sysctls()) -> Listener {
        Listener(host: "server", name: "ls", local: server, backlog: backlog, sysctls: sysctls, opts: SocketOptions(), cookieSecret: 42)
    }

    static func synAcks(_ l: Listener) -> Int {
        l.actions.filter { if case let .transmit(s, _, _) = $0 { return s.flags == [.syn, .ack] }; return false }.count
    }

    // reqsk_timer_handler(): SYN-ACKs at 0, 1, 3, 7, 15, 31 s; the request dies at 63 s (tcp_synack_retries = 5).
    @Test func synAckRetransmissionSchedule() {
        let l = Self.listener(backlog: 8)
        let host = Host(spec: HostSpec(name: "server", ip: IPv4("10.0.0.2")!), seed: 1)
        l.handle(Self.syn(port: 40000), now: .zero, isn: nil, host: host, makeEndpoint: { _, _ in fatalError("no child expected") })
        let tuple = FourTuple(local: Self.server, remote: SocketAddress(IPv4("10.0.0.1")!, 40000))
        var sent: [Int64] = [0]
        var t = l.synQueue[tuple]!.deadline
        while l.synQueue[tuple] != nil {
            l.actions.removeAll()
            l.requestTimer(tuple, now: t)
            if Self.synAcks(l) > 0 { sent.append(t.us / 1_000_000) }
            guard let next = l.synQueue[tuple]?.deadline else { break }
            t = next
        }
        #expect(sent == [0, 1, 3, 7, 15, 31])
        #expect(t == Instant(us: 63_000_000))
    }

    // tcp_conn_request(): with the accept queue full the SYN is dropped silently (ListenOverflows).
    @Test func synDroppedWhenAcceptQueueFull() {
        let l = Self.listener(backlog: 0)
        l.acceptQueue = [Endpoint(host: "server", name: "x", tuple: FourTuple(local: Self.server, remote: Self.server), sysctls: Sysctls(), opts: SocketOptions())]
        let host = Host(spec: HostSpec(name: "server", ip: IPv4("10.0.0.2")!), seed: 1)
        l.handle(Self.syn(port: 40002), now: .zero, isn: nil, host: host, makeEndpoint: { _, _ in fatalError() })
        #expect(Self.synAcks(l) == 0)
        #expect(l.actions.contains { if case .drop(.LISTEN_OVERFLOW, _) = $0 { return true }; return false })
    }

    // Linux 6.18: the SYN queue holds backlog + 1 requests; then cookies (tcp_syncookies = 1) or drops (0).
    @Test(arguments: [0, 1]) func synQueueFull(cookies: Int) {
        var s = Sysctls()
        s.tcp_syncookies = cookies
        let l = Self.listener(backlog: 1, sysctls: s)
        let host = Host(spec: HostSpec(name: "server", ip: IPv4("10.0.0.2")!), seed: 1)
        for p in 0..<3 { l.handle(Self.syn(port: 40000 + UInt16(p)), now: .zero, isn: nil, host: host, makeEndpoint: { _, _ in fatalError() }) }
        #expect(l.synQueue.count == 2)
        #expect(Self.synAcks(l) == (cookies == 1 ? 3 : 2))
    }

    // __sys_listen(): the backlog is clamped by somaxconn.
    @Test func backlogClampedBySomaxconn() {
        var s = Sysctls()
        s.somaxconn = 16
        #expect(Self.listener(backlog: 1000, sysctls: s).backlog == 16)
    }
}
