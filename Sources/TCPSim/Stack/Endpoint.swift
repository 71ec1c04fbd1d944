// The transmission control block of one connection: RFC 9293 §3.3.1 variables with Linux's names
// (struct tcp_sock, inet_connection_sock). Sans-IO: every input returns through `actions`, which the
// host carries out (put segments on the wire, schedule timers, record the trace).

/// What an endpoint asks its host to do.
enum EndpointAction {
    case transmit(Segment, retransmit: Bool, note: Note?)
    case state(from: TCPState, to: TCPState, note: Note?)
    case setTimer(TimerKind, Instant)
    case cancelTimer(TimerKind)
    case drop(DropReason, note: Note?)
    /// Reply to a segment with an RST built from it, as tcp_v4_send_reset() does for a segment
    /// that a socket rejects (`return 1` from tcp_rcv_state_process()).
    case resetReply(Segment, note: Note?)
    /// The connection is gone (tcp_done()): remove it from the host's tables.
    case destroyed
    /// tcp_tw_recycle (≤ 4.11): remember the peer's last timestamp per IP (tcp_remember_stamp()).
    case rememberPeerTimestamp(UInt32)
    /// The sender's congestion state changed.
    case congestion(CCInfo)
}

/// One optional value per timer kind, in a fixed array (timers are set and cancelled per segment,
/// so this is a hot path).
struct TimerSlots<Value> {
    private var slots = [Value?](repeating: nil, count: TimerKind.allCases.count)
    subscript(kind: TimerKind) -> Value? {
        get { slots[kind.slot] }
        set { slots[kind.slot] = newValue }
    }
    mutating func removeAll() { slots = [Value?](repeating: nil, count: slots.count) }
}

/// A segment in flight: where it starts, its length, whether it carries the FIN, when it was last sent.
struct InFlight {
    var seq: SeqNum
    var len: Int
    var fin: Bool
    var sentAt: Instant
    /// Sent more than once (TCPCB_RETRANS): its ACK gives no RTT sample (Karn).
    var retrans = false
    var end: SeqNum { seq + len + (fin ? 1 : 0) }
}

/// Per-socket options that TCP consults (setsockopt()).
public struct SocketOptions: Equatable, Sendable {
    public var reuseAddr = false
    public var keepAlive = false
    /// SO_LINGER: nil = off; seconds otherwise (0 = abortive close).
    public var linger: Int? = nil
    public var keepIdle: Int? = nil
    public var keepIntvl: Int? = nil
    public var keepCnt: Int? = nil
    public var noDelay = false
    public var quickAck = false
    /// TCP_USER_TIMEOUT in milliseconds (0 = off).
    public var userTimeoutMs = 0
    public init() {}
}

final class Endpoint {
    // Identity
    let host: String
    var name: String
    var tuple: FourTuple
    var sysctls: Sysctls
    var opts: SocketOptions

    private(set) var state: TCPState = .CLOSED
    var actions: [EndpointAction] = []

    // Send sequence space (RFC 9293 §3.3.1)
    var iss = SeqNum(0)            // Linux: tp->write_seq at connect, snd_isn
    var sndUna = SeqNum(0)         // Linux: tp->snd_una
    var sndNxt = SeqNum(0)         // Linux: tp->snd_nxt
    var sndWnd = 0                 // Linux: tp->snd_wnd (bytes, scaled)
    var sndWl1 = SeqNum(0)         // Linux: tp->snd_wl1
    var maxWindow = 0              // Linux: tp->max_window
    var sndSml = SeqNum(0)         // Linux: tp->snd_sml (end of last small segment, Minshall's Nagle)
    /// Bytes from snd_una to write_seq: sent-unacknowledged then unsent (Linux: the write queue and rtx queue).
    var sendBuffer = ByteQueue()
    var sndBuf = 16384             // Linux: sk->sk_sndbuf (bytes of payload we allow queued)
    /// Sequence number of the first byte in `sendBuffer`.
    var bufStart = SeqNum(0)
    /// FIN queued after the send buffer (close()/shutdown(SHUT_WR) called), at `finSeq`.
    var finQueued = false
    var finSeq = SeqNum(0)
    /// Highest sequence ever sent (to tell retransmissions).
    var sndMax = SeqNum(0)

    // Receive sequence space
    var irs = SeqNum(0)
    var rcvNxt = SeqNum(0)         // Linux: tp->rcv_nxt
    var rcvWup = SeqNum(0)         // Linux: tp->rcv_wup (rcv_nxt when the window was last advertised)
    var rcvWnd = 0                 // Linux: tp->rcv_wnd (bytes, last advertised)
    var rcvSsthresh = 0            // Linux: tp->rcv_ssthresh
    var windowClamp = 65535        // Linux: tp->window_clamp
    var rcvBuf = 131072            // Linux: sk->sk_rcvbuf
    var receiveQueue = ByteQueue() // in-order bytes not yet read
    /// The segments behind `receiveQueue`: bytes left unread and the truesize each is charged.
    var rcvSkbs: [(left: Int, truesize: Int)] = []
    var rcvSkbHead = 0
    var rcvQueueTruesize = 0
    /// Linux tp->scaling_ratio (out of 256): payload per byte of buffer memory, learned from full segments.
    var scalingRatio = 128
    var ofoQueue = OfoQueue()   // Linux: tp->out_of_order_queue, sorted by seq
    /// A FIN was received in order: read() returns 0 after the queued data.
    var finReceived = false
    /// The application has read the end of file (copied_seq moved past the FIN).
    var finRead = false

    // Options (RFC 7323, RFC 2018, MSS)
    var advMss = 1460              // Linux: tp->advmss (route MTU 1500 − 40)
    var mssClamp = 536             // Linux: tp->rx_opt.mss_clamp (peer's MSS; 536 if absent)
    var tsOn = false
    var sackOn = false
    var wsOn = false
    var sndWscale: UInt8 = 0
    var rcvWscale: UInt8 = 0
    var tsRecent: UInt32 = 0       // Linux: tp->rx_opt.ts_recent
    var tsRecentStamp: Instant? = nil
    var tsOffset: UInt32 = 0       // Linux: tp->tsoffset (per-connection random offset)

    // RTO (RFC 6298 with Linux's bounds)
    var srtt: Int64 = 0            // µs, 0 = no sample yet (Linux: tp->srtt_us >> 3)
    var srttScaled: Int64 = 0      // Linux: tp->srtt_us, eight times the smoothed RTT
    var mdevUs: Int64 = 0          // Linux: tp->mdev_us (four times the mean deviation)
    var mdevMaxUs: Int64 = 0       // Linux: tp->mdev_max_us, the largest mdev this round trip
    var rttvar: Int64 = 0          // Linux: tp->rttvar_us (RTO = srtt + rttvar)
    var rttSeq = SeqNum(0)         // Linux: tp->rtt_seq, snd_nxt when the round began
    /// Whether the segment emit() last sent was a retransmission (for the in-flight list).
    var lastEmitRetransmit = false
    var rto: TimeSpan = .seconds(1) // TCP_TIMEOUT_INIT
    var retransmits = 0            // Linux: icsk->icsk_retransmits
    var totalRto = 0               // Linux: tp->total_rto
    var retransStamp: Instant? = nil // Linux: tp->retrans_stamp
    /// The SYN (or SYN-ACK of a simultaneous open) being timed: it is not in the in-flight list.
    var rttSample: (seq: SeqNum, sent: Instant)? = nil

    /// Segments in flight, oldest first (Linux's retransmission queue, reduced to what timers need).
    var flight: [InFlight] = []
    var flightHead = 0
    /// Linux tp->tlp_high_seq: snd_nxt when a loss probe went out, until it is acknowledged.
    var tlpHighSeq: SeqNum? = nil

    // Congestion control (Endpoint+Congestion.swift)
    var cwnd = 10                  // Linux: tp->snd_cwnd, TCP_INIT_CWND
    var ssthresh = Int.max / 2     // Linux: tp->snd_ssthresh (TCP_INFINITE_SSTHRESH)
    var cwndCount = 0              // Linux: tp->snd_cwnd_cnt
    var caState = CAState.open     // Linux: icsk->icsk_ca_state
    var dupAcks = 0
    var recoveryPoint = SeqNum(0)  // Linux: tp->high_seq
    var rtxHigh = SeqNum(0)        // retransmitted up to here in this recovery
    var sackScoreboard: [SackBlock] = []
    var cubic = CubicState()
    var minRttUs: Int64 = 0        // Linux: tcp_min_rtt()
    var lastCCReport: CCSnapshot? = nil
    var retransmitCount = 0
    // tcp_cwnd_validate(): cwnd only grows while it is what limits the sender (RFC 7661).
    var maxPacketsOut = 0          // Linux: tp->max_packets_out
    var maxPacketsSeq = SeqNum(0)  // Linux: tp->max_packets_seq
    var isCwndLimited = false      // Linux: tp->is_cwnd_limited
    var cwndUsageSeq = SeqNum(0)   // Linux: tp->cwnd_usage_seq
    var lsndtime: Instant? = nil   // Linux: tp->lsndtime (last segment with data sent)

    // Receive-buffer autotuning (Linux tp->rcvq_space, tcp_rcv_space_adjust())
    var copiedSeq = SeqNum(0)      // Linux: tp->copied_seq
    var rcvqSpace = 0
    var rcvqSeq = SeqNum(0)
    var rcvqTime = Instant.zero

    // Delayed ACK (Linux struct inet_connection_sock.icsk_ack)
    var ackPending = false         // ICSK_ACK_SCHED
    var ackPushed = 0              // ICSK_ACK_PUSHED / PUSHED2
    var ackNow = false             // ICSK_ACK_NOW: ACK at the end of input processing
    var quick = 0
    /// SACK compression (tcp_sock): ACKs owed for out-of-order data, the rcv_nxt the immediate
    /// duplicate ACKs were counted for, and how many of those went out.
    var compressedAck = 0
    var compressedAckRcvNxt = SeqNum(0)
    var dupAckCounter = 0
    /// tp->selective_acks: the SACK blocks to send, the most recently changed first (at most
    /// TCP_NUM_SACKS = 4; an ACK carries three of them beside timestamps, four without).
    var selectiveAcks: [SackBlock] = []
    /// tp->duplicate_sack[0] while rx_opt.dsack is set: a D-SACK block (RFC 2883) the next segment
    /// with SACK blocks carries first.
    var pendingDsack: SackBlock? = nil
    var ato: TimeSpan = .zero
    var pingpong = 0
    var lrcvtime = Instant.zero
    var rcvMss = 536               // Linux: icsk_ack.rcv_mss (tcp_initialize_rcv_mss)
    var lastOowAck: Instant? = nil // Linux: tp->last_oow_ack_time

    // Keepalive
    var rcvTstamp = Instant.zero   // Linux: tp->rcv_tstamp (last ACK received)
    var lastRecv = Instant.zero    // Linux: icsk_ack.lrcvtime for keepalive_time_elapsed()
    var probesOut = 0
    var timeWaitSince: Instant? = nil  // Linux: tw->tw_entry_stamp
    /// An orphan in FIN_WAIT_2 that Linux holds as a timewait mini-socket (tw_substate TCP_FIN_WAIT2).
    var twFinWait2 = false
    var probeBackoff = 0           // Linux: icsk->icsk_backoff for zero-window probes
    var probesTstamp: Instant? = nil // Linux: icsk->icsk_probes_tstamp (first unanswered probe)

    // Application side
    /// close() was called: nobody will read (Linux: SOCK_DEAD, orphan).
    var orphan = false
    var rcvShutdown = false        // RCV_SHUTDOWN
    var sndShutdown = false        // SEND_SHUTDOWN
    /// A pending error (sk_err) reported once to the next call.
    var softError: Errno? = nil
    var pendingError: Errno? = nil
    /// The error was already reported once; later writes get EPIPE.
    var errorReported = false
    /// connect() was called on this socket (active open), as opposed to a listener's child.
    var activeOpen = false
    /// The listener this child waits on until accept() (nil once accepted or for active opens).
    weak var parentListener: Listener?

    /// Each timer's deadline, by kind (a value, not a callback: the host schedules an event for it).
    var timers = TimerSlots<Instant>()
    /// When the scheduler's pending event for each timer kind is due (it may be earlier than the
    /// deadline, never later).
    var timerEvent = TimerSlots<Instant>()

    /// Scratch: the note to attach to the next transmitted segment.
    var pendingNote: Note? = nil

    init(host: String, name: String, tuple: FourTuple, sysctls: Sysctls, opts: SocketOptions) {
        self.host = host
        self.name = name
        self.tuple = tuple
        self.sysctls = sysctls
        self.opts = opts
        rcvBuf = sysctls.tcp_rmem[1]
        sndBuf = sysctls.tcp_wmem[1]
    }

    // MARK: - Helpers shared by input, output and timers

    func setState(_ s: TCPState, note: Note? = nil) {
        guard s != state else { return }
        actions.append(.state(from: state, to: s, note: note))
        state = s
    }

    func setStateSilently(_ s: TCPState) { state = s }

    func setTimer(_ kind: TimerKind, _ at: Instant) {
        timers[kind] = at
        actions.append(.setTimer(kind, at))
    }

    func cancelTimer(_ kind: TimerKind) {
        guard timers[kind] != nil else { return }
        timers[kind] = nil
        actions.append(.cancelTimer(kind))
    }

    func cancelAllTimers() {
        for k in TimerKind.allCases { cancelTimer(k) }
    }

    /// Linux tcp_done(): the connection is finished; no TIME_WAIT.
    func done(note: Note? = nil) {
        cancelAllTimers()
        setState(.CLOSED, note: note)
        sendBuffer.removeAll()
        ofoQueue.removeAll()
        sackReset(teardown: true)
        actions.append(.destroyed)
    }

    /// Linux tcp_reset(): an acceptable RST arrived.
    func reset(note: Note? = nil) {
        // tcp_reset(): SYN_SENT → ECONNREFUSED, CLOSE_WAIT → EPIPE, else ECONNRESET; then tcp_done().
        switch state {
        case .SYN_SENT: pendingError = .ECONNREFUSED
        case .CLOSE_WAIT: pendingError = .EPIPE
        case .CLOSED: break
        default: pendingError = .ECONNRESET
        }
        done(note: note)
    }

    /// Bytes of payload the peer's window and our queue allow; the effective MSS (Linux tp->mss_cache).
    var mss: Int {
        // tcp_sync_mss()/tcp_current_mss(): min(peer MSS, our route MSS) minus the timestamp option.
        max(48, min(mssClamp, advMss) - (tsOn ? 12 : 0))
    }

    var bytesInFlight: Int { sndNxt - sndUna }
    /// Sequence number after the last byte the application queued (Linux: tp->write_seq, without the FIN).
    var dataEnd: SeqNum { bufStart + sendBuffer.count }
    /// Our FIN has been acknowledged.
    var finAcked: Bool { finQueued && sndUna > finSeq }

    /// TSval for an outgoing segment: the 1 ms clock plus the per-connection offset (tcp_time_stamp_ts()).
    func tsVal(_ now: Instant) -> UInt32 { UInt32(truncatingIfNeeded: now.ms) &+ tsOffset }

    /// Linux tcp_win_from_space() before any segment taught us the ratio (TCP_DEFAULT_SCALING_RATIO, 50 %).
    static func winFromSpace(_ space: Int) -> Int { (max(0, space) * 128) >> 8 }

    /// Linux tcp_win_from_space(): the share of buffer memory that can be window, by this socket's
    /// measured payload/truesize ratio (tp->scaling_ratio, out of 256).
    func winFromSpace(_ space: Int) -> Int { (max(0, space) * scalingRatio) >> 8 }

    /// The memory Linux charges for a received segment of `len` payload bytes (skb->truesize): the
    /// linear buffer for the frame (headers, NET_SKB_PAD, skb_shared_info) rounded up by kmalloc,
    /// plus struct sk_buff — 768 bytes for a small segment, 2304 for a full 1448-byte one, as on the
    /// veth path the kernel captures used. Large loopback segments are charged by 4 KiB pages.
    static func truesize(_ len: Int) -> Int {
        if len > 1500 { return (len + 4095) / 4096 * 4096 + 768 }
        var need = len + 66 + 64 + 320
        var bucket = 64
        while bucket < need { bucket <<= 1 }
        need = bucket
        return need + 256
    }

    /// Linux sk_rmem_alloc: truesize of everything queued (in order and out of order).
    var rmemAlloc: Int { rcvQueueTruesize + ofoQueue.truesize }

    /// Linux tcp_space(): window the free receive memory allows.
    var freeSpace: Int { winFromSpace(rcvBuf - rmemAlloc) }
    /// Linux tcp_full_space().
    var fullSpace: Int { winFromSpace(rcvBuf) }

    /// Linux tcp_receive_window(): what is left of the window we last advertised.
    var receiveWindow: Int { max(0, (rcvWup + rcvWnd) - rcvNxt) }
}
