// A host's TCP stack: demultiplexing, ports, and the RST for segments that find no socket.
// Mirrors Linux net/ipv4/tcp_ipv4.c (tcp_v4_rcv, tcp_v4_send_reset, tcp_v4_connect),
// inet_hashtables.c (__inet_hash_connect) and inet_connection_sock.c (inet_csk_get_port).

/// An application's file descriptor for a TCP socket.
final class SocketHandle {
    let label: String
    let fd: Int
    var opts = SocketOptions()
    var bound: SocketAddress?
    /// What bind() asked for (Linux SOCK_BINDADDR_LOCK / SOCK_BINDPORT_LOCK when not any / 0).
    var userBind: SocketAddress?
    /// connect() failed (ECONNREFUSED, ETIMEDOUT...): Linux leaves the socket SS_UNCONNECTED and
    /// TCP_CLOSE, so another connect() starts a new handshake.
    var connectFailed = false
    var listener: Listener?
    var endpoint: Endpoint?
    var closed = false
    /// O_NONBLOCK (fcntl F_SETFL): calls that would wait return EAGAIN / EINPROGRESS instead.
    var nonBlocking = false
    /// A non-blocking connect() returned EINPROGRESS and no connect() has reported its outcome yet
    /// (the socket layer's SS_CONNECTING).
    var connecting = false
    /// Steps waiting for this socket (an earlier call is still blocked).
    var pending: [Int] = []
    var blocked: BlockedCall?

    init(label: String, fd: Int) {
        self.label = label
        self.fd = fd
    }

    /// The name the trace uses: the endpoint's (a child's predicted accept label) or the label.
    var traceName: String { endpoint?.name ?? label }
}

/// A call that could not complete at once and waits for the stack.
struct BlockedCall {
    var step: Int
    /// For write: bytes still to queue. For read until EOF: bytes read so far.
    var progress: Int = 0
    var collected: [UInt8] = []
}

final class Host {
    let name: String
    let ip: IPv4
    let sysctls: Sysctls
    var rng: SeededGenerator
    var sockets: [String: SocketHandle] = [:] {
        didSet { orderedCache = nil; socketsGeneration &+= 1 }
    }
    /// Changes whenever `sockets` does: a handle found while it is unchanged is still `sockets[label]`.
    private(set) var socketsGeneration = 0
    var socketOrder: [String] = [] {
        didSet { orderedCache = nil }
    }
    private var orderedCache: [SocketHandle]? = nil
    /// The open sockets in creation order (cached: wake-ups walk it after every segment).
    var orderedSockets: [SocketHandle] {
        if let c = orderedCache { return c }
        let c = socketOrder.compactMap { sockets[$0] }
        orderedCache = c
        return c
    }
    var nextFd = 3
    /// Connections by 4-tuple (Linux's established hash: ESTABLISHED … TIME_WAIT).
    var established: [FourTuple: Endpoint] = [:] {
        didSet { lastLookup = nil }   // any change invalidates the one-entry cache
    }
    /// Listening sockets by local address (0.0.0.0 for "any").
    var listeners: [SocketAddress: Listener] = [:]
    /// Every endpoint ever created, so the socket table can include orphans and TIME_WAIT.
    var endpoints: [Endpoint] = []
    /// The MTU of the link towards each neighbour's address (default 1500).
    var routeMTU: [IPv4: Int] = [:]

    /// The MSS to advertise towards `remote` (ipv4_default_advmss()): MTU − 40, and 65495 over
    /// loopback (MTU 65536, capped at 65535 − 40).
    func advMss(to remote: IPv4) -> Int {
        if remote == ip || remote.isLoopback { return 65495 }
        return (routeMTU[remote] ?? 1500) - 40
    }

    /// Powered on. A host that is off drops everything and runs nothing.
    var up = true
    /// Incremented at each power cycle, so timers of the old incarnation never fire.
    var epoch = 0
    /// tcp_tw_recycle's per-peer memory (inetpeer / tcp_metrics): the last timestamp seen from each
    /// IP when one of its connections entered TIME_WAIT here.
    var peerTimestamps: [IPv4: (ts: UInt32, at: Instant)] = [:]
    /// Steps waiting for a blocked accept() to create their socket.
    var awaitingAccept: [String: [Int]] = [:]
    /// Per-listener names for future children, from the scenario's accept steps.
    var acceptNames: [String: [String]] = [:]

    /// The boot-time secret of secure_tcp_seq() and secure_tcp_ts_off() (net/core/secure_seq.c).
    let secret: UInt64
    /// Time since boot at t = 0: the timestamp clock of tcp_timestamps = 2 hosts counts from boot.
    let uptime: TimeSpan

    init(spec: HostSpec, seed: UInt64) {
        name = spec.name
        ip = spec.ip
        sysctls = spec.effectiveSysctls
        rng = SeededGenerator(seed: seed, stream: "host \(spec.name)")
        var g = SeededGenerator(seed: seed, stream: "secret \(spec.name)")
        secret = g.next()
        uptime = spec.uptime
    }

    /// Linux secure_tcp_seq() (RFC 6528): a keyed hash of the 4-tuple plus a clock ticking every
    /// 64 ns, so later connections on the same 4-tuple start higher (it wraps every 274 s).
    func isn(_ t: FourTuple, at now: Instant) -> SeqNum {
        let h = fnv1a64("\(secret) \(t.local) \(t.remote)")
        let clock = UInt64(now.us + uptime.us) &* 1000 >> 6
        return SeqNum(UInt32(truncatingIfNeeded: h &+ clock))
    }

    /// Linux secure_tcp_ts_off(): with tcp_timestamps = 1 the TSval offset is a keyed hash of the
    /// two addresses (the same for every connection between two hosts); with 2 there is none, and
    /// TSval counts milliseconds since boot (as every kernel did before 4.10).
    func tsOffset(local: IPv4, remote: IPv4) -> UInt32 {
        if sysctls.tcp_timestamps == 2 { return UInt32(truncatingIfNeeded: uptime.us / 1000) }
        return UInt32(truncatingIfNeeded: fnv1a64("\(secret) ts \(local) \(remote)"))
    }

    /// The last connection found, since consecutive segments usually belong to the same one.
    private var lastLookup: (FourTuple, Endpoint)? = nil

    /// The established (or TIME_WAIT) connection for a 4-tuple (Linux __inet_lookup_established()).
    func lookupEstablished(_ t: FourTuple) -> Endpoint? {
        if let (k, ep) = lastLookup, k == t { return ep }
        let ep = established[t]
        lastLookup = ep.map { (t, $0) }
        return ep
    }

    /// Linux __inet_lookup(): established (and TIME_WAIT) first, then a listener on the exact
    /// address, then one on INADDR_ANY. Bound-but-not-listening sockets are not in these tables.
    func lookupListener(_ dst: SocketAddress) -> Listener? {
        listeners[dst] ?? listeners[SocketAddress(.any, dst.port)]
    }

    /// Linux tcp_v4_send_reset(): the RST for a segment nobody wants. Never answer an RST; if the
    /// segment had ACK, RST with seq = SEG.ACK; otherwise RST|ACK with seq 0 and ack = SEG.SEQ + SEG.LEN.
    static func resetFor(_ seg: Segment) -> Segment? {
        guard !seg.flags.contains(.rst) else { return nil }
        if seg.flags.contains(.ack) {
            return Segment(src: seg.dst, dst: seg.src, seq: seg.ack, flags: [.rst])
        }
        return Segment(src: seg.dst, dst: seg.src, seq: SeqNum(0), ack: seg.seq + seg.seqLen, flags: [.rst, .ack])
    }

    /// Is this local port in use for bind()? Linux inet_csk_bind_conflict(): a listener always
    /// conflicts; otherwise SO_REUSEADDR on both sockets allows sharing.
    func bindConflict(_ addr: SocketAddress, reuse: Bool, except: SocketHandle?) -> Bool {
        for label in socketOrder {
            guard let s = sockets[label], s !== except, !s.closed, let b = s.bound, b.port == addr.port else { continue }
            guard b.ip == .any || addr.ip == .any || b.ip == addr.ip else { continue }
            if s.listener != nil { return true }
            if !(reuse && s.opts.reuseAddr) { return true }
        }
        // Connections left without a file (orphans, TIME_WAIT) hold their port too, unless SO_REUSEADDR.
        if !reuse, established.contains(where: { $0.key.local.port == addr.port && $0.value.orphan }) { return true }
        return false
    }

    /// Linux __inet_hash_connect(): an even ephemeral port from ip_local_port_range (32768–60999),
    /// starting at a seeded offset, not used by this 4-tuple's destination.
    func ephemeralPort(to remote: SocketAddress) -> UInt16? {
        let low = 32768, high = 60999
        let range = high - low + 1
        var offset = Int(rng.next() % UInt64(range)) & ~1
        for _ in 0..<range {
            let port = UInt16(low + offset % range)
            let tuple = FourTuple(local: SocketAddress(ip, port), remote: remote)
            let taken = established[tuple] != nil || socketOrder.contains { sockets[$0]?.bound?.port == port && sockets[$0]?.closed == false }
            if !taken { return port }
            offset += 2
        }
        return nil
    }
}
