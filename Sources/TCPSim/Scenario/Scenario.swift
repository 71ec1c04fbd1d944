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

    public init(name: String, seed: UInt64 = 1, duration: TimeSpan, hosts: [HostSpec], links: [LinkSpec], steps: [Step]) {
        self.name = name
        self.seed = seed
        self.duration = duration
        self.hosts = hosts
        self.links = links
        self.steps = steps
    }
}

public struct HostSpec: Sendable, Equatable {
    public var name: String
    public var ip: IPv4
    /// Overrides of Linux's defaults, by sysctl name.
    public var sysctls: [(String, SysctlValue)]

    public init(name: String, ip: IPv4, sysctls: [(String, SysctlValue)] = []) {
        self.name = name
        self.ip = ip
        self.sysctls = sysctls
    }

    public static func == (a: HostSpec, b: HostSpec) -> Bool {
        a.name == b.name && a.ip == b.ip && a.sysctls.count == b.sysctls.count
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

    public init(_ a: String, _ b: String, delay: TimeSpan) {
        self.a = a
        self.b = b
        self.delay = delay
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
        }
    }

    public static let names = ["socket", "bind", "listen", "connect", "accept", "write", "read", "shutdown", "close", "setsockopt"]
}
