/// A scenario: hosts, the links between them, a seed, a duration, and the socket calls each host's
/// applications make on a timeline. Built by the catalogue or parsed (and validated) from JSON.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var seed: UInt64
    /// Simulated time after which the run stops.
    public var duration: TimeSpan
    public var hosts: [HostSpec]
    public var links: [LinkSpec]
    public var steps: [Step]
    /// Crashes, power cuts, cable pulls and forged segments, at instants.
    public var faults: [FaultStep] = []
    /// Targeted drops, delays and duplications.
    public var rules: [NetRule] = []
    /// Hosts behind a NAT sharing one public address (issue #3).
    public var nats: [NATSpec] = []

    public init(name: String, seed: UInt64 = 1, duration: TimeSpan, hosts: [HostSpec], links: [LinkSpec], steps: [Step],
                faults: [FaultStep] = [], rules: [NetRule] = [], nats: [NATSpec] = []) {
        self.name = name
        self.seed = seed
        self.duration = duration
        self.hosts = hosts
        self.links = links
        self.steps = steps
        self.faults = faults
        self.rules = rules
        self.nats = nats
    }
}

public struct HostSpec: Sendable, Equatable {
    public var name: String
    public var ip: IPv4
    /// Overrides of Linux's defaults, by sysctl name.
    public var sysctls: [(String, SysctlValue)]
    /// How long the host has been up at t = 0 (its timestamp clock with tcp_timestamps = 2).
    public var uptime: TimeSpan = .zero

    public init(name: String, ip: IPv4, sysctls: [(String, SysctlValue)] = [], uptime: TimeSpan = .zero) {
        self.name = name
        self.ip = ip
        self.sysctls = sysctls
        self.uptime = uptime
    }

    public static func == (a: HostSpec, b: HostSpec) -> Bool {
        a.name == b.name && a.ip == b.ip && a.uptime == b.uptime && a.sysctls.count == b.sysctls.count
            && zip(a.sysctls, b.sysctls).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// The host's effective sysctls: Linux defaults with this host's overrides applied.
    public var effectiveSysctls: Sysctls {
        var s = Sysctls()
        for (name, value) in sysctls {
            if let entry = Sysctls.all.first(where: { $0.name == Sysctls.shortName(name) }) { entry.set(&s, value) }
        }
        return s
    }
}

public struct LinkSpec: Sendable, Equatable {
    public var a: String
    public var b: String
    /// One-way propagation delay, the same in both directions.
    public var delay: TimeSpan
    /// Bits per second each way (nil: infinitely fast). Segments wait in a drop-tail queue.
    public var rate: Int64? = nil
    /// Drop-tail queue length in packets, per direction (Linux's default txqueuelen is 1000).
    public var queue: Int = 1000
    /// Probability that a segment is lost, per direction (each direction has its own seeded generator).
    public var loss: Double = 0
    /// Probability that a segment is delivered twice.
    public var duplicate: Double = 0
    /// Probability that a segment is held back by `reorderDelay`, so later ones overtake it.
    public var reorder: Double = 0
    public var reorderDelay: TimeSpan = .ms(10)
    /// Extra delay drawn uniformly from [0, jitter) per segment.
    public var jitter: TimeSpan = .zero
    /// The link's MTU: hosts advertise an MSS of MTU − 40 (1460 on Ethernet).
    public var mtu: Int = 1500

    public init(_ a: String, _ b: String, delay: TimeSpan) {
        self.a = a
        self.b = b
        self.delay = delay
    }
}

/// Something that happens to hosts or the network at an instant (issue #3's faults).
public enum Fault: Sendable, Equatable {
    /// The application process on the host dies: the kernel closes every descriptor it had
    /// (FIN, or RST where data was unread), exactly as if it had called close() on each.
    case crash(host: String)
    /// The host loses power: it falls silent and all its TCP state is gone.
    case powerOff(host: String)
    /// The host comes back with an empty stack; old connections' segments meet RSTs.
    case boot(host: String)
    /// The cable between two hosts is pulled out: segments on it are lost until `replug`.
    case unplug(String, String)
    case replug(String, String)
    /// Cut every link between the groups (hosts not named stay connected to everyone).
    case partition([[String]])
    /// Undo every partition.
    case heal
    /// Put a forged segment on the wire.
    case inject(Injection)

    public var name: String {
        switch self {
        case .crash: return "crash"
        case .powerOff: return "power-off"
        case .boot: return "boot"
        case .unplug: return "unplug"
        case .replug: return "replug"
        case .partition: return "partition"
        case .heal: return "heal"
        case .inject: return "inject"
        }
    }

    public static let names = ["crash", "power-off", "boot", "unplug", "replug", "partition", "heal", "inject"]
}

/// A forged segment. Its addresses are literal, or copied from the last segment an on-path
/// observer saw in a direction ("like": "client>server"); seq and ack are numbers or
/// observations ("server>client.ack" = the ack field of the last segment the server sent the client).
public struct Injection: Sendable, Equatable {
    public var like: String?
    public var src: SocketAddress?
    public var dst: SocketAddress?
    public var flags: TCPFlags
    public var seq: SeqExpr
    public var ack: SeqExpr
    public var window: UInt16 = 65535
    public var data: String = ""
    /// Time from injection to arrival at the destination.
    public var delay: TimeSpan = .zero

    public init(like: String? = nil, src: SocketAddress? = nil, dst: SocketAddress? = nil, flags: TCPFlags,
                seq: SeqExpr, ack: SeqExpr = .value(0)) {
        self.like = like
        self.src = src
        self.dst = dst
        self.flags = flags
        self.seq = seq
        self.ack = ack
    }
}

/// A sequence number for an injected segment.
public enum SeqExpr: Sendable, Equatable, CustomStringConvertible {
    case value(UInt32)
    /// A field ("seq" or "ack", or "next" = seq + segment length) of the last segment seen from one
    /// host to another, plus an offset.
    case observed(from: String, to: String, field: String, offset: Int)

    public var description: String {
        switch self {
        case let .value(v): return String(v)
        case let .observed(f, t, field, off): return "\(f)>\(t).\(field)" + (off == 0 ? "" : (off > 0 ? "+\(off)" : "\(off)"))
        }
    }
}

public struct FaultStep: Sendable, Equatable {
    public var at: TimeSpan
    public var fault: Fault
    public init(at: TimeSpan, fault: Fault) {
        self.at = at
        self.fault = fault
    }
}

/// A targeted network rule: the nth segment (or every segment) matching a description is
/// dropped, delayed or duplicated. "Drop the 1st FIN from server", "delay the 3rd data segment
/// from client by 300 ms".
public struct NetRule: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case drop
        case delay(TimeSpan)
        case duplicate
    }
    public var from: String?
    public var to: String?
    /// Flags the segment must carry.
    public var flags: TCPFlags = []
    /// Only segments with payload.
    public var dataOnly = false
    /// 1-based occurrence among matching segments; nil = every match.
    public var nth: Int?
    public var action: Action

    public init(from: String? = nil, to: String? = nil, flags: TCPFlags = [], dataOnly: Bool = false, nth: Int? = nil, action: Action) {
        self.from = from
        self.to = to
        self.flags = flags
        self.dataOnly = dataOnly
        self.nth = nth
        self.action = action
    }
}

/// One socket call by an application at a point in time. Calls on the same socket run in order:
/// a call issued while an earlier one is blocked waits for it.
public struct Step: Sendable, Equatable {
    public var at: TimeSpan
    public var host: String
    public var socket: String
    public var call: Call

    public init(at: TimeSpan, host: String, socket: String, call: Call) {
        self.at = at
        self.host = host
        self.socket = socket
        self.call = call
    }
}

public enum ShutdownHow: String, Sendable, Equatable, CaseIterable {
    case SHUT_RD, SHUT_WR, SHUT_RDWR
}

/// Where a connect() goes: a host of the scenario (resolved to its IP) or a literal address.
public struct Target: Sendable, Equatable, CustomStringConvertible {
    public var host: String?
    public var ip: IPv4?
    public var port: UInt16
    /// The connection's initial sequence number, instead of Linux's secure_tcp_seq(): a teaching
    /// knob (Linux can only do this in TCP_REPAIR mode) to make a SYN old or new on purpose.
    public var isn: SeqExpr? = nil
    public init(host: String, port: UInt16) { self.host = host; self.port = port }
    public init(ip: IPv4, port: UInt16) { self.ip = ip; self.port = port }
    public var description: String { "\(host ?? ip?.description ?? "?"):\(port)" }
}

public enum SocketOption: String, Sendable, Equatable, CaseIterable {
    case SO_LINGER, SO_KEEPALIVE, SO_REUSEADDR, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_NODELAY, TCP_QUICKACK, TCP_USER_TIMEOUT
}

public enum WriteData: Sendable, Equatable {
    case text(String)
    /// n bytes of filler (the letters a–z repeating).
    case bytes(Int)
    public var count: Int {
        switch self {
        case let .text(s): return s.utf8.count
        case let .bytes(n): return n
        }
    }
}

public enum Call: Sendable, Equatable {
    case socket
    case bind(ip: IPv4?, port: UInt16)
    case listen(backlog: Int)
    case connect(Target)
    /// accept() on a listening socket; the new connection is known by `as` afterwards.
    case accept(as: String)
    case write(WriteData)
    /// read(): up to `max` bytes, or (untilEOF) keep reading until end of file.
    case read(max: Int, untilEOF: Bool)
    case shutdown(ShutdownHow)
    case close
    case setsockopt(SocketOption, Int)
    /// fcntl(fd, F_SETFL, O_NONBLOCK) on or off: a non-blocking socket's calls return EAGAIN (connect():
    /// EINPROGRESS) instead of waiting.
    case fcntl(nonBlocking: Bool)
    /// getsockopt(): the value of a `SocketOption`, or SO_ERROR (the pending error, which reading
    /// clears: sock_getsockopt() → sock_error()). The value is in the call's return event.
    case getsockopt(String)

    public static let readableOptions = SocketOption.allCases.map(\.rawValue).filter { $0 != "SO_LINGER" } + ["SO_ERROR"]

    public var name: String {
        switch self {
        case .socket: return "socket"
        case .bind: return "bind"
        case .listen: return "listen"
        case .connect: return "connect"
        case .accept: return "accept"
        case .write: return "write"
        case .read: return "read"
        case .shutdown: return "shutdown"
        case .close: return "close"
        case .setsockopt: return "setsockopt"
        case .fcntl: return "fcntl"
        case .getsockopt: return "getsockopt"
        }
    }

    public static let names = ["socket", "bind", "listen", "connect", "accept", "write", "read", "shutdown", "close", "setsockopt", "fcntl", "getsockopt"]
}

/// A NAT: the `inside` hosts reach the others through `publicIP`, each connection getting its own
/// public port (Linux's NF_NAT port allocation), so a server sees one address for all of them.
public struct NATSpec: Sendable, Equatable {
    public var publicIP: IPv4
    public var inside: [String]
    public init(publicIP: IPv4, inside: [String]) {
        self.publicIP = publicIP
        self.inside = inside
    }
}
