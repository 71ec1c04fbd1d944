/// An IPv4 address, kept as its 32-bit value.
public struct IPv4: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public static let any = IPv4(0)
    /// Parses dotted-quad text ("10.0.0.1").
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let b = UInt32(p), b <= 255 else { return nil }
            v = v << 8 | b
        }
        value = v
    }
    public var isLoopback: Bool { value >> 24 == 127 }
    public var description: String { "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)" }
    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
}

/// An IPv4 address and TCP port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPv4
    public var port: UInt16
    public init(_ ip: IPv4, _ port: UInt16) { self.ip = ip; self.port = port }
    public var description: String { "\(ip):\(port)" }
}

/// A connection's 4-tuple as seen from one end.
public struct FourTuple: Hashable, Sendable {
    public var local: SocketAddress
    public var remote: SocketAddress
    public init(local: SocketAddress, remote: SocketAddress) { self.local = local; self.remote = remote }
}

/// TCP header flags (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    /// Names in the order the trace writes them.
    public static let names: [(TCPFlags, String)] = [
        (.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"), (.urg, "URG"), (.ece, "ECE"), (.cwr, "CWR"),
    ]
    public var names: [String] { TCPFlags.names.filter { contains($0.0) }.map { $0.1 } }
    /// "SYN|ACK", as the ladder prints it.
    public var description: String { names.joined(separator: "|") }

    public init?(names: [String]) {
        var f = TCPFlags()
        for n in names {
            guard let hit = TCPFlags.names.first(where: { $0.1 == n.uppercased() }) else { return nil }
            f.insert(hit.0)
        }
        self = f
    }
}

/// A SACK block [left, right).
public struct SackBlock: Hashable, Sendable {
    public var left: SeqNum
    public var right: SeqNum
    public init(_ left: SeqNum, _ right: SeqNum) { self.left = left; self.right = right }
}

/// The TCP options tcplab models (RFC 9293 MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK).
/// (Stored compactly, presence as bits: every segment in flight and in the trace carries one.)
public struct TCPOptions: Hashable, Sendable {
    private var tsValRaw: UInt32 = 0
    public var tsEcr: UInt32 = 0
    private var mssRaw: UInt16 = 0
    private var windowScaleRaw: UInt8 = 0
    private var present: UInt8 = 0
    public var sack: [SackBlock] = []

    private static let hasMss: UInt8 = 1, hasTs: UInt8 = 2, hasWs: UInt8 = 4, sackPerm: UInt8 = 8

    public var mss: UInt16? {
        get { present & TCPOptions.hasMss != 0 ? mssRaw : nil }
        set {
            if let v = newValue { mssRaw = v; present |= TCPOptions.hasMss } else { mssRaw = 0; present &= ~TCPOptions.hasMss }
        }
    }
    public var sackPermitted: Bool {
        get { present & TCPOptions.sackPerm != 0 }
        set { if newValue { present |= TCPOptions.sackPerm } else { present &= ~TCPOptions.sackPerm } }
    }
    public var timestamp: (val: UInt32, ecr: UInt32)? {
        get { tsVal.map { ($0, tsEcr) } }
        set { tsVal = newValue?.val; tsEcr = newValue?.ecr ?? 0 }
    }
    public var tsVal: UInt32? {
        get { present & TCPOptions.hasTs != 0 ? tsValRaw : nil }
        set {
            if let v = newValue { tsValRaw = v; present |= TCPOptions.hasTs } else { tsValRaw = 0; present &= ~TCPOptions.hasTs }
        }
    }
    public var windowScale: UInt8? {
        get { present & TCPOptions.hasWs != 0 ? windowScaleRaw : nil }
        set {
            if let v = newValue { windowScaleRaw = v; present |= TCPOptions.hasWs } else { windowScaleRaw = 0; present &= ~TCPOptions.hasWs }
        }
    }

    public init() {}

    public static func == (a: TCPOptions, b: TCPOptions) -> Bool {
        a.mss == b.mss && a.sackPermitted == b.sackPermitted && a.tsVal == b.tsVal && a.tsEcr == b.tsEcr
            && a.windowScale == b.windowScale && a.sack == b.sack
    }
    public func hash(into h: inout Hasher) { h.combine(mss); h.combine(tsVal); h.combine(windowScale) }

    public var isEmpty: Bool { mss == nil && !sackPermitted && tsVal == nil && windowScale == nil && sack.isEmpty }

    /// Bytes these options take in the header, with Linux's NOP padding (tcp_options_write()).
    public var encodedLength: Int {
        var n = 0
        if mss != nil { n += 4 }
        if tsVal != nil { n += 12 } // SACK_PERM, when present, rides in the two NOPs before TS
        else if sackPermitted { n += 4 }
        if windowScale != nil { n += 4 }
        if !sack.isEmpty { n += 4 + 8 * sack.count }
        return n
    }
}

/// A TCP segment on the simulated wire. Payload bytes are carried so that reads return real text.
public struct Segment: Sendable {
    // (Declared in an order that packs: 6-byte addresses around the 2-byte window and 1-byte flags.)
    public var src: SocketAddress
    /// The 16-bit window field as sent (before the receiver applies the window scale).
    public var window: UInt16
    public var dst: SocketAddress
    public var flags: TCPFlags
    public var seq: SeqNum
    public var ack: SeqNum
    public var options: TCPOptions
    /// Payload bytes; a slice, so segments share their sender's buffer instead of copying it.
    public var payload: ArraySlice<UInt8>

    public init(src: SocketAddress, dst: SocketAddress, seq: SeqNum, ack: SeqNum = SeqNum(0), flags: TCPFlags,
                window: UInt16 = 0, options: TCPOptions = TCPOptions(), payload: ArraySlice<UInt8> = []) {
        self.src = src; self.dst = dst; self.seq = seq; self.ack = ack; self.flags = flags
        self.window = window; self.options = options; self.payload = payload
    }

    public var len: Int { payload.count }
    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 SEG.LEN).
    public var seqLen: Int { payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0) }
    /// Linux TCP_SKB_CB(skb)->end_seq.
    public var endSeq: SeqNum { seq + seqLen }
}
