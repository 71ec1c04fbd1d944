/// Text in English and Chinese.
public struct Localized: Sendable, Equatable {
    public var en: String
    public var zh: String
    public init(_ en: String, _ zh: String) { self.en = en; self.zh = zh }
}

/// A parameter a user may change on a catalogue scenario.
public struct CatalogueParam: Sendable {
    public enum Kind: Sendable, Equatable {
        case int(ClosedRange<Int>)
        case time(max: TimeSpan)
        case choice([String])
        /// A real number, or a percentage ("1%").
        case number(ClosedRange<Double>)
        /// A link rate ("1Gbit", "100Mbit", bits per second).
        case rate
    }
    public var name: String
    public var kind: Kind
    public var defaultValue: String
    public var description: Localized

    public init(_ name: String, _ kind: Kind, default d: String, _ description: Localized) {
        self.name = name
        self.kind = kind
        self.defaultValue = d
        self.description = description
    }

    public var kindName: String {
        switch kind {
        case let .int(r): return "integer \(r.lowerBound)…\(r.upperBound)"
        case let .time(m): return "time ≤ \(m)"
        case let .choice(c): return c.joined(separator: "|")
        case let .number(r): return "number \(r.lowerBound)…\(r.upperBound)"
        case .rate: return "rate (1Gbit, 100Mbit, bits/s)"
        }
    }
}

/// Resolved parameter values of one catalogue run.
public struct ParamValues: Sendable {
    var ints: [String: Int] = [:]
    var times: [String: TimeSpan] = [:]
    var choices: [String: String] = [:]
    var numbers: [String: Double] = [:]
    public func number(_ n: String) -> Double { numbers[n] ?? 0 }
    public func int(_ n: String) -> Int { ints[n] ?? 0 }
    public func time(_ n: String) -> TimeSpan { times[n] ?? .zero }
    public func choice(_ n: String) -> String { choices[n] ?? "" }
}

/// A built-in scenario: the claim it demonstrates, its parameters, and how to build it.
public struct CatalogueEntry: Sendable {
    public var id: String
    public var title: Localized
    /// The claim from the notes this scenario demonstrates.
    public var claim: Localized
    public var description: Localized
    public var params: [CatalogueParam]
    /// A good instant for `--sockets-at`, if the scenario is about the socket table.
    public var suggestedSocketsAt: TimeSpan?
    let build: @Sendable (ParamValues) -> Scenario

    /// Resolves user parameters (text values, as given on a command line or in JSON) and builds
    /// the scenario. Unknown names and bad values are reported with their parameter path.
    public func scenario(params given: [String: String] = [:]) throws(ScenarioErrors) -> Scenario {
        var errors: [ScenarioError] = []
        var values = ParamValues()
        for (k, _) in given where !params.contains(where: { $0.name == k }) {
            errors.append(ScenarioError(path: "params.\(k)", message: "unknown parameter of \(id)" + suggestion(k, params.map(\.name))
                                        + (params.isEmpty ? "" : "; parameters: " + params.map(\.name).joined(separator: ", "))))
        }
        for p in params {
            let text = given[p.name] ?? p.defaultValue
            let path = "params.\(p.name)"
            switch p.kind {
            case let .int(range):
                if let v = Int(text.trimmingSpaces), range.contains(v) { values.ints[p.name] = v } else {
                    errors.append(ScenarioError(path: path, message: "expected an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""))
                }
            case let .time(maxTime):
                if let t = TimeSpan.parse(text), t <= maxTime { values.times[p.name] = t } else {
                    errors.append(ScenarioError(path: path, message: "expected a time up to \(maxTime) (like 20ms or 1.5s), got \"\(text)\""))
                }
            case let .number(range):
                var t = text.trimmingSpaces
                var scale = 1.0
                if t.hasSuffix("%") { t.removeLast(); scale = 0.01 }
                if let v = Double(t).map({ $0 * scale }), range.contains(v) { values.numbers[p.name] = v } else {
                    errors.append(ScenarioError(path: path, message: "expected a number from \(range.lowerBound) to \(range.upperBound) (or a percentage), got \"\(text)\""))
                }
            case .rate:
                if let v = Validator.parseRate(.string(text)), v >= 1000 { values.numbers[p.name] = Double(v) } else {
                    errors.append(ScenarioError(path: path, message: "expected a rate like 1Gbit or 100Mbit, got \"\(text)\""))
                }
            case let .choice(options):
                if options.contains(text) { values.choices[p.name] = text } else {
                    errors.append(ScenarioError(path: path, message: "expected one of \(options.joined(separator: ", ")), got \"\(text)\"" + suggestion(text, options)))
                }
            }
        }
        if !errors.isEmpty { throw ScenarioErrors(errors: errors) }
        var s = build(values)
        s.name = id
        return s
    }
}

/// The built-in scenarios, one per claim of the notes (see README "The catalogue").
public enum Catalogue {
    public static let all: [CatalogueEntry] = [
        portInUse, handshakeQueues, receiveBuffer, fourWayClose, noListenRst, selfConnect,
        simultaneousOpen, threeWayClose, delayedAck, shutdownVsClose, closeUnreadDataRst,
        processCrash, hostCrashIdle, hostCrashWithData, hostRebootRst,
        cableUnplugIdle, cableUnplugWithData, cableUnplugKeepalive,
        crashReconnectNewPort, crashReconnectSamePort, killConnectionForgedRst, outOfOrderFin,
        timeWaitLegalSyn, timeWaitIllegalSyn, synDropQueueFull, synDropTwRecycleNat, bulkTransfer,
    ]

    public static func entry(_ id: String) -> CatalogueEntry? { all.first { $0.id == id } }

    public static var ids: [String] { all.map(\.id) }

    /// "unknown scenario "x" (did you mean …?)".
    public static func unknown(_ id: String) -> ScenarioErrors {
        ScenarioErrors(errors: [ScenarioError(path: "scenario", message: "unknown catalogue scenario \"\(id)\"" + suggestion(id, ids))])
    }
}

/// A small DSL that writes scenario steps in the order a reader expects.
struct ScenarioBuilder {
    var hosts: [HostSpec] = []
    var links: [LinkSpec] = []
    var steps: [Step] = []

    /// The usual pair: client 10.0.0.1 and server 10.0.0.2 joined by one link.
    static func clientServer(delay: TimeSpan) -> ScenarioBuilder {
        var b = ScenarioBuilder()
        b.hosts = [HostSpec(name: "client", ip: IPv4("10.0.0.1")!), HostSpec(name: "server", ip: IPv4("10.0.0.2")!)]
        b.links = [LinkSpec("client", "server", delay: delay)]
        return b
    }

    mutating func at(_ t: TimeSpan, _ host: String, _ socket: String, _ call: Call) {
        steps.append(Step(at: t, host: host, socket: socket, call: call))
    }

    mutating func at(_ seconds: Double, _ host: String, _ socket: String, _ call: Call) {
        at(TimeSpan.fromSeconds(seconds), host, socket, call)
    }

    /// socket(), bind(port), listen(backlog) on the server at t = 0.
    mutating func listener(_ host: String = "server", _ label: String = "ls", port: UInt16, backlog: Int = 128, at t: Double = 0) {
        at(t, host, label, .socket)
        at(t, host, label, .bind(ip: nil, port: port))
        at(t, host, label, .listen(backlog: backlog))
    }

    /// The usual start: the server listens on 8888 and accepts (as "conn"), the client connects at 0.
    mutating func acceptedConnection(backlog: Int = 128) {
        listener(port: 8888, backlog: backlog)
        at(0, "server", "ls", .accept(as: "conn"))
        connect(port: 8888, at: 0)
    }

    /// socket() and connect() on the client.
    mutating func connect(_ host: String = "client", _ label: String = "c", to target: String = "server", port: UInt16, at t: Double) {
        at(t, host, label, .socket)
        at(t, host, label, .connect(Target(host: target, port: port)))
    }

    func scenario(duration: TimeSpan, seed: UInt64 = 1) -> Scenario {
        Scenario(name: "", seed: seed, duration: duration, hosts: hosts, links: links, steps: steps)
    }
}

/// Parameters most scenarios share.
extension CatalogueParam {
    static let delay = CatalogueParam("delay", .time(max: .seconds(10)), default: "20ms",
                                      Localized("One-way delay of the link between client and server.", "客户端与服务端之间链路的单向时延。"))
    static let port = CatalogueParam("port", .int(1...65535), default: "8888", Localized("The server's port.", "服务端端口。"))
}
