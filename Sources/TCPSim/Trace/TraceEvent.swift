/// One entry of a trace. The JSON form is the product's contract (see TraceFormats/TraceJSON.swift
/// and the README): the server, the viewer and outside tools read it.
public struct TraceEvent: Sendable {
    public var t: Instant
    public var kind: Kind
    /// A teaching note in English and Chinese explaining why this happened.
    public var note: Note? {
        get { noteBox?.note }
        set { noteBox = newValue.map(NoteBox.init) }
    }
    /// The note by reference: most events have none, and a trace holds hundreds of thousands of events
    /// (an inline `Note?` would add 24 bytes to each).
    var noteBox: NoteBox?

    public enum Kind: Sendable {
        case segment(SegmentEvent)
        case state(host: String, socket: String, from: TCPState, to: TCPState)
        indirect case call(CallEvent)   // (rare: boxed, so it does not set the size of every event)
        case drop(host: String, socket: String?, segment: Int, reason: DropReason)
        case timer(host: String, socket: String, timer: TimerKind, action: TimerAction, deadline: Instant?)
        case queue(host: String, socket: String, synQueue: Int, acceptQueue: Int, backlog: Int)
        /// A crash, power cut, cable pull, partition or injection.
        case fault(kind: String, hosts: [String], detail: String)
        /// The sender's congestion state changed.
        indirect case cc(host: String, socket: String, info: CCInfo)   // (boxed, like call: not every event's size)
    }

    public var typeName: String {
        switch kind {
        case .segment: return "segment"
        case .state: return "state"
        case .call: return "call"
        case .drop: return "drop"
        case .timer: return "timer"
        case .queue: return "queue"
        case .fault: return "fault"
        case .cc: return "cc"
        }
    }
}

/// A segment's header as a trace event keeps it: what changes from segment to segment (its
/// addresses are in SegmentRoute; rare options, SACK blocks and a kept payload in SegmentExtras).
struct StoredSegment: Sendable {
    var window: UInt16
    var flags: TCPFlags
    var present: UInt8
    var seq: SeqNum
    var ack: SeqNum
    var tsVal: UInt32
    var tsEcr: UInt32

    private static let hasTs: UInt8 = 1, sackPerm: UInt8 = 2

    @inline(__always) init(_ seg: borrowing Segment) {
        window = seg.window; flags = seg.flags; seq = seg.seq; ack = seg.ack
        let o = seg.options
        present = (o.tsVal != nil ? StoredSegment.hasTs : 0) | (o.sackPermitted ? StoredSegment.sackPerm : 0)
        tsVal = o.tsVal ?? 0
        tsEcr = o.tsEcr
    }

    func segment(src: SocketAddress, dst: SocketAddress, extras: SegmentExtras?) -> Segment {
        var o = TCPOptions()
        o.mss = extras?.mss
        o.sackPermitted = present & StoredSegment.sackPerm != 0
        if present & StoredSegment.hasTs != 0 { o.tsVal = tsVal }
        o.tsEcr = tsEcr
        o.windowScale = extras?.windowScale
        o.sack = extras?.sack ?? []
        return Segment(src: src, dst: dst, seq: seq, ack: ack, flags: flags, window: window, options: o,
                       payload: extras?.payload ?? [])
    }
}

/// What few segment events carry: a short payload the trace keeps, SACK blocks, the MSS and window
/// scale options (SYNs), a loss reason.
final class SegmentExtras: Sendable {
    let payload: ArraySlice<UInt8>
    let sack: [SackBlock]
    let mss: UInt16?
    let windowScale: UInt8?
    let lossReason: String?
    private init(payload: ArraySlice<UInt8>, options: TCPOptions, lossReason: String?) {
        self.payload = payload; sack = options.sack; mss = options.mss; windowScale = options.windowScale
        self.lossReason = lossReason
    }
    @inline(__always) static func make(payload: ArraySlice<UInt8>, options: TCPOptions, lossReason: String?) -> SegmentExtras? {
        payload.isEmpty && options.sack.isEmpty && options.mss == nil && options.windowScale == nil && lossReason == nil
            ? nil : SegmentExtras(payload: payload, options: options, lossReason: lossReason)
    }
}

/// A segment's sender and receiver names (immutable, shared between events).
final class SegmentRoute: Sendable {
    let from: String
    let to: String
    let src: SocketAddress
    let dst: SocketAddress
    init(from: String, to: String, src: SocketAddress, dst: SocketAddress) {
        self.from = from; self.to = to; self.src = src; self.dst = dst
    }
}

final class NoteBox: Sendable {
    let note: Note
    init(_ note: Note) { self.note = note }
}

public enum TimerAction: String, Sendable { case set, fire, cancel }

/// Why a segment was lost or discarded.
public enum SegmentFate: String, Sendable { case delivered, lost }

/// A segment put on the wire, with its sequence numbers both raw and relative (Wireshark-style:
/// relative to the ISN of the sender's current incarnation of that 4-tuple direction).
/// (Stored compactly: a trace holds one per segment, so optionals are kept as sentinels and the flags
/// as bits; the public properties are the same.)
public struct SegmentEvent: Sendable {
    /// The two host names and the segment's addresses, shared by every segment of a flow direction.
    private var route: SegmentRoute
    private var stored: StoredSegment
    // Relative numbers are distances in 32-bit sequence space (0 ..< 2^32).
    private var relSeqRaw: UInt32
    /// A kept payload, SACK blocks, MSS and window-scale options and a loss reason, all rare in a
    /// large trace: boxed, nil when none.
    private var extras: SegmentExtras?
    private var arrivesRaw: Int64
    private var idRaw: Int32
    private var relAckRaw: UInt32
    private var lenRaw: Int32
    private var bits: UInt8

    private static let none = Int64.min
    private static let lostBit: UInt8 = 1, retransmitBit: UInt8 = 2, injectedBit: UInt8 = 4, duplicateBit: UInt8 = 8,
                       hasAckBit: UInt8 = 16

    /// `segment`'s payload is kept only when it is at most 64 bytes.
    @inline(__always) init(id: Int, route: SegmentRoute, segment: borrowing Segment, len: Int, relSeq: Int64, relAck: Int64?,
         arrivesAt: Instant?, fate: SegmentFate, retransmit: Bool, lossReason: String?, injected: Bool = false,
         duplicate: Bool = false) {
        self.route = route
        self.stored = StoredSegment(segment)
        let payload: ArraySlice<UInt8> = segment.payload.count <= 64 ? segment.payload : []
        self.extras = SegmentExtras.make(payload: payload, options: segment.options, lossReason: lossReason)
        self.relSeqRaw = UInt32(relSeq)
        self.relAckRaw = relAck.map { UInt32($0) } ?? 0
        self.arrivesRaw = arrivesAt?.us ?? SegmentEvent.none
        self.idRaw = Int32(id)
        self.lenRaw = Int32(len)
        self.bits = (fate == .lost ? SegmentEvent.lostBit : 0) | (retransmit ? SegmentEvent.retransmitBit : 0)
            | (injected ? SegmentEvent.injectedBit : 0) | (duplicate ? SegmentEvent.duplicateBit : 0)
            | (relAck != nil ? SegmentEvent.hasAckBit : 0)
    }

    /// The segment; its payload is kept only when it is at most 64 bytes (the trace shows it as text).
    public var segment: Segment {
        get { stored.segment(src: route.src, dst: route.dst, extras: extras) }
        set {
            stored = StoredSegment(newValue)
            if newValue.src != route.src || newValue.dst != route.dst {
                route = SegmentRoute(from: route.from, to: route.to, src: newValue.src, dst: newValue.dst)
            }
            extras = SegmentExtras.make(payload: newValue.payload, options: newValue.options, lossReason: extras?.lossReason)
        }
    }
    /// The segment's number in the trace (from 1).
    public var id: Int {
        get { Int(idRaw) }
        set { idRaw = Int32(newValue) }
    }
    public var from: String {
        get { route.from }
        set { route = SegmentRoute(from: newValue, to: route.to, src: route.src, dst: route.dst) }
    }
    public var to: String {
        get { route.to }
        set { route = SegmentRoute(from: route.from, to: newValue, src: route.src, dst: route.dst) }
    }
    /// Why the network lost it ("no route to host", "cable unplugged").
    public var lossReason: String? {
        get { extras?.lossReason }
        set {
            var o = TCPOptions()
            o.mss = extras?.mss
            o.windowScale = extras?.windowScale
            o.sack = extras?.sack ?? []
            extras = SegmentExtras.make(payload: extras?.payload ?? [], options: o, lossReason: newValue)
        }
    }

    private func bit(_ b: UInt8) -> Bool { bits & b != 0 }
    private mutating func set(_ b: UInt8, _ on: Bool) { if on { bits |= b } else { bits &= ~b } }

    /// Payload length on the wire.
    public var len: Int {
        get { Int(lenRaw) }
        set { lenRaw = Int32(newValue) }
    }
    public var relSeq: Int64 {
        get { Int64(relSeqRaw) }
        set { relSeqRaw = UInt32(newValue) }
    }
    public var relAck: Int64? {
        get { bit(SegmentEvent.hasAckBit) ? Int64(relAckRaw) : nil }
        set { relAckRaw = newValue.map { UInt32($0) } ?? 0; set(SegmentEvent.hasAckBit, newValue != nil) }
    }
    public var arrivesAt: Instant? {
        get { arrivesRaw == SegmentEvent.none ? nil : Instant(us: arrivesRaw) }
        set { arrivesRaw = newValue?.us ?? SegmentEvent.none }
    }
    public var fate: SegmentFate {
        get { bit(SegmentEvent.lostBit) ? .lost : .delivered }
        set { set(SegmentEvent.lostBit, newValue == .lost) }
    }
    /// The segment repeats sequence space sent before (a retransmission).
    public var retransmit: Bool {
        get { bit(SegmentEvent.retransmitBit) }
        set { set(SegmentEvent.retransmitBit, newValue) }
    }
    /// Forged by an injection, not sent by a host's stack.
    public var injected: Bool {
        get { bit(SegmentEvent.injectedBit) }
        set { set(SegmentEvent.injectedBit, newValue) }
    }
    /// A copy the network duplicated.
    public var duplicate: Bool {
        get { bit(SegmentEvent.duplicateBit) }
        set { set(SegmentEvent.duplicateBit, newValue) }
    }
}

/// A socket call entering or returning.
public struct CallEvent: Sendable {
    public enum Phase: String, Sendable { case enter, `return` }
    public var host: String
    public var socket: String
    public var call: String
    public var phase: Phase
    /// Arguments as the step gave them (on enter).
    public var args: [(String, CallValue)]
    public var result: CallValue?
    public var errno: Errno?
    /// Text a read returned or a write sent, when it is short and printable.
    public var data: String?
    /// Index of the scenario step this call comes from.
    public var step: Int
    /// What getsockopt() read (an errno number for SO_ERROR).
    public var value: Int? = nil

    public init(host: String, socket: String, call: String, phase: Phase, args: [(String, CallValue)], result: CallValue?,
                errno: Errno?, step: Int) {
        self.host = host; self.socket = socket; self.call = call; self.phase = phase; self.args = args
        self.result = result; self.errno = errno; self.step = step
    }
}

/// A value in a call's arguments or result.
public enum CallValue: Sendable, Equatable {
    case int(Int)
    case string(String)
    case bool(Bool)
}

/// The errno values the simulated calls return, spelled as in errno.h.
public enum Errno: String, Sendable, Equatable, CaseIterable {
    case ECONNREFUSED, ECONNRESET, EPIPE, EADDRINUSE, EADDRNOTAVAIL, EINVAL, ETIMEDOUT, ENOTCONN, EISCONN,
         EALREADY, EAGAIN, EINPROGRESS, ECONNABORTED, EOPNOTSUPP, EBADF, EHOSTUNREACH, ENOPROTOOPT

    /// The number Linux gives it (include/uapi/asm-generic/errno-base.h, errno.h).
    public var linuxNumber: Int {
        switch self {
        case .EPIPE: return 32
        case .EBADF: return 9
        case .EAGAIN: return 11
        case .EINVAL: return 22
        case .ENOPROTOOPT: return 92
        case .EOPNOTSUPP: return 95
        case .EADDRINUSE: return 98
        case .EADDRNOTAVAIL: return 99
        case .ECONNABORTED: return 103
        case .ECONNRESET: return 104
        case .EISCONN: return 106
        case .ENOTCONN: return 107
        case .ETIMEDOUT: return 110
        case .ECONNREFUSED: return 111
        case .EHOSTUNREACH: return 113
        case .EALREADY: return 114
        case .EINPROGRESS: return 115
        }
    }
}

/// An errno as a Swift error (for Result).
public struct ErrnoError: Error, Equatable, Sendable {
    public var errno: Errno
    public init(_ e: Errno) { errno = e }
}

/// Reasons a host discards a segment, named as Linux's `enum skb_drop_reason` (include/net/dropreason-core.h)
/// so that a learner can grep the kernel for them.
public enum DropReason: String, Sendable {
    case NO_SOCKET
    case TCP_FLAGS
    case TCP_OLD_ACK
    case TCP_TOO_OLD_ACK
    case TCP_ACK_UNSENT_DATA
    case TCP_INVALID_SEQUENCE
    /// Data reaching beyond the receive window while the receive queue holds data (Linux 6.17+).
    case TCP_INVALID_END_SEQUENCE
    case TCP_INVALID_SYN
    case TCP_RESET
    case TCP_RFC7323_PAWS
    /// An old pure ACK that failed PAWS: dropped without a reply (Linux 6.14+).
    case TCP_RFC7323_PAWS_ACK
    case TCP_CLOSE
    case TCP_OFO_DROP
    case TCP_ZEROWINDOW
    case TCP_OVERWINDOW
    case TCP_OLD_DATA
    case LISTEN_OVERFLOW = "TCP_LISTEN_OVERFLOW"
    case TCP_REQQFULLDROP
    case TCP_SYN_RECV_ACK_INVALID = "TCP_INVALID_ACK_SEQUENCE"
    case TCP_RFC1337 = "TCP_RFC1337"
    case TIMEWAIT = "TCP_TIMEWAIT"
    case SOCKET_CLOSE
    /// The segment reached a host that is powered off.
    case HOST_DOWN
    /// The cable was pulled (or a partition cut the path) while the segment was in flight.
    case LINK_DOWN
}

/// The TCP states, spelled as `ss` prints them.
public enum TCPState: String, Sendable, CaseIterable {
    case CLOSED, LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT

    /// RFC 9293's synchronized states: everything after the handshake.
    var isSynchronized: Bool {
        switch self {
        case .CLOSED, .LISTEN, .SYN_SENT, .SYN_RECV: return false
        default: return true
        }
    }

    /// States in which a socket may still send data or its FIN (tcp_write_xmit() proceeds).
    var canSend: Bool {
        switch self {
        case .ESTABLISHED, .CLOSE_WAIT, .FIN_WAIT_1, .LAST_ACK, .CLOSING: return true
        default: return false
        }
    }

    /// States after the peer's FIN (tcp_reset_check() accepts an RST at rcv_nxt − 1 here).
    var afterPeerFin: Bool {
        switch self {
        case .CLOSE_WAIT, .LAST_ACK, .CLOSING: return true
        default: return false
        }
    }
}

/// The timers of a connection, as tcp_timer.c names them.
public enum TimerKind: String, Sendable, CaseIterable {
    /// Retransmission (icsk_retransmit_timer, ICSK_TIME_RETRANS).
    case retransmit
    /// Tail loss probe (the same timer, ICSK_TIME_LOSS_PROBE; RFC 8985 §7).
    case lossProbe = "loss_probe"
    /// Delayed ACK (icsk_delack_timer).
    case delack
    /// Keepalive (sk_timer in ESTABLISHED).
    case keepalive
    /// Orphaned FIN_WAIT_2 (tcp_fin_timeout; the timewait sock's timer in Linux).
    case finWait2 = "fin_wait2"
    /// TIME_WAIT's 60 s (TCP_TIMEWAIT_LEN).
    case timeWait = "time_wait"
    /// SYN-ACK retransmission of a request socket (reqsk_timer_handler).
    case synack
    /// Zero-window probe (ICSK_TIME_PROBE0).
    case persist
    /// RACK's reordering window (ICSK_TIME_REO_TIMEOUT).
    case reorder
    /// A compressed SACK waiting to go (tp->compressed_ack_timer, an hrtimer).
    case compressedAck = "compressed_ack"

    /// Position in `allCases`, for fixed-size tables.
    var slot: Int {
        switch self {
        case .retransmit: return 0
        case .lossProbe: return 1
        case .delack: return 2
        case .keepalive: return 3
        case .finWait2: return 4
        case .timeWait: return 5
        case .synack: return 6
        case .persist: return 7
        case .reorder: return 8
        case .compressedAck: return 9
        }
    }
}
