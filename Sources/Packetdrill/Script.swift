// A packetdrill script as data: the form Linux's TCP maintainers write behaviour down in
// (google/packetdrill, the kernel's tools/testing/selftests/net/packetdrill/). A script plays the
// remote peer: it injects segments (`<`), expects the kernel's replies (`>`), and makes socket calls
// with expected results, each on a timeline.

import TCPSim

/// A parsed script.
public struct PDScript: Sendable {
    /// `--name=value` lines at the top (packetdrill's command-line options written in the script).
    public var options: [(name: String, value: String, line: Int)] = []
    public var events: [PDEvent] = []
}

/// When an event happens (packetdrill's event_time_t).
public struct PDTime: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `0.1`: seconds from the start of the script.
        case absolute
        /// `+0.1`: seconds after the previous event.
        case relative
        /// `*`: any time.
        case any
    }
    public var kind: Kind
    /// Microseconds.
    public var start: Int64
    /// `~` ranges: the latest acceptable instant, in the same reference as `start`.
    public var end: Int64?
    /// `...`: a blocking call's expected return, in the same reference as `start`.
    public var blockingEnd: Int64?

    public init(kind: Kind, start: Int64, end: Int64? = nil, blockingEnd: Int64? = nil) {
        self.kind = kind
        self.start = start
        self.end = end
        self.blockingEnd = blockingEnd
    }
}

/// A TCP option as a script writes it, in order (NOPs included, as Linux lays them out).
public enum PDOption: Sendable, Equatable, CustomStringConvertible {
    case nop
    case eol
    case mss(UInt16)
    case sackOK
    case timestamp(val: UInt32, ecr: UInt32)
    case wscale(UInt8)
    case sack([(UInt32, UInt32)])

    public static func == (a: PDOption, b: PDOption) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .nop: return "nop"
        case .eol: return "eol"
        case let .mss(v): return "mss \(v)"
        case .sackOK: return "sackOK"
        case let .timestamp(v, e): return "TS val \(v) ecr \(e)"
        case let .wscale(v): return "wscale \(v)"
        case let .sack(blocks): return "sack " + blocks.map { "\($0.0):\($0.1)" }.joined(separator: " ")
        }
    }

    /// The option's kind byte, the unit packetdrill compares positions by.
    var kind: UInt8 {
        switch self {
        case .eol: return 0
        case .nop: return 1
        case .mss: return 2
        case .wscale: return 3
        case .sackOK: return 4
        case .sack: return 5
        case .timestamp: return 8
        }
    }
}

/// A segment line: `< S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop>` or `> . 1:1(0) ack 1001`.
public struct PDPacket: Sendable {
    /// `<`: the script's peer sends it; `>`: the kernel must send it.
    public var inbound: Bool
    /// `< 40001>8080 S ...`: explicit source and destination ports (packetdrill's opt_port_info).
    public var ports: (src: UInt16, dst: UInt16)?
    public var flags: TCPFlags
    /// As written (`S.`, `F.`, `R`), for messages.
    public var flagsText: String
    /// Script-relative `start:end(len)`.
    public var seq: UInt32
    public var len: Int
    public var ack: UInt32?
    public var window: UInt16?
    /// nil: `<...>`, options not checked.
    public var options: [PDOption]?
}

/// A value in a call's arguments or result.
public indirect enum PDExpr: Sendable, Equatable, CustomStringConvertible {
    /// `...`: any.
    case ellipsis
    case int(Int64)
    /// A name or `A|B` flags: `SOCK_STREAM`, `O_RDWR|O_NONBLOCK`.
    case symbol(String)
    case string(String)
    /// `[1]`: a pointer to a value.
    case list([PDExpr])
    /// `{l_onoff=1, l_linger=0}`.
    case record([(String, PDExpr)])

    public static func == (a: PDExpr, b: PDExpr) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .ellipsis: return "..."
        case let .int(v): return String(v)
        case let .symbol(s): return s
        case let .string(s): return "\"\(s)\""
        case let .list(xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
        case let .record(fs): return "{" + fs.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A call line: `accept(3, ..., ...) = 4`, `connect(3, ..., ...) = -1 EINPROGRESS (...)`.
public struct PDSyscall: Sendable {
    public var name: String
    public var args: [PDExpr]
    public var result: Int64
    public var errno: String?
}

public struct PDEvent: Sendable {
    public enum Kind: Sendable {
        case packet(PDPacket)
        case syscall(PDSyscall)
        /// A backquoted shell command (sysctl settings).
        case command(String)
        /// Inline Python (`%{ assert tcpi_snd_cwnd == 10 }%`): packetdrill runs it on TCP_INFO.
        case code(String)
    }
    /// 1-based line in the script.
    public var line: Int
    public var time: PDTime
    public var kind: Kind
    /// The event's text, for messages.
    public var text: String
}

/// Why a script cannot be run: a syntax error, or a construct the simulator does not model.
public struct PDProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case syntax, unsupported }
    public var kind: Kind
    public var line: Int
    public var message: String
    public init(_ kind: Kind, line: Int, _ message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(kind == .unsupported ? "unsupported: " : "")\(message)" }
}
