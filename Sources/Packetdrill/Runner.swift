// Runs a packetdrill script against the simulated Linux host, in virtual time: the script plays the
// remote peer. Its rules follow packetdrill (run.c, run_packet.c, run_system_call.c):
// - relative times count from when the previous event finished, except that consecutive inbound
//   segments count from the previous one's script time (adjust_relative_event_times());
// - inbound sequence numbers are taken as written, acks are shifted by the kernel's ISN, and a
//   TS ecr is mapped back to the TS val the kernel really sent (map_inbound_packet());
// - an expected outbound segment is the next one the kernel sends on the connection under test;
//   consecutive segments are aggregated up to the script's length, as TSO would have sent them
//   (do_outbound_script_packet()); flags, seq, ack, the window (when the script gives one), the
//   options in order (unless `<...>`) and the time (within --tolerance_usecs, 4 ms by default)
//   must match (verify_outbound_live_packet());
// - a call without `...` must return at once; with `...` it returns later while the script goes on,
//   and a following call waits for it.

import TCPSim

/// How a script ended.
public struct PDVerdict: Sendable, Equatable {
    public enum Outcome: String, Sendable { case pass, fail, unsupported, invalid }
    public var outcome: Outcome
    /// The line of the first mismatch or problem.
    public var line: Int?
    public var message: String?
    /// Further lines: the script's segment and the actual one, for a mismatch.
    public var detail: [String] = []
    /// Every problem that kept the script from running (syntax, unsupported), by line.
    public var problems: [PDProblem] = []
    /// Inline Python assertions skipped (with `skipPython`).
    public var skippedPython = 0

    public static let pass = PDVerdict(outcome: .pass)
}

/// A script's run: its verdict and, when it ran, the trace (drawn like any other run).
public struct PDResult: Sendable {
    public var verdict: PDVerdict
    public var trace: Trace?
    /// Events of the script that ran (all of them on a pass).
    public var eventsRun: Int
}

/// packetdrill's configuration, with its defaults (config.c): the local host 192.168.0.1 is the
/// system under test, the script's peer is 192.0.2.1, and bind()/connect() use port 8080.
public struct PDConfig: Sendable {
    public var toleranceUs: Int64 = 4_000
    /// --tolerance_percent: a tolerance that grows with the time since the previous event.
    public var tolerancePercent: Double = 0
    /// --tcp_ts_tick_usecs: when non-zero, outbound TS vals are checked against the script's.
    public var tsTickUs: Int64 = 0
    public var localIP = IPv4(0xC0A8_0001)     // 192.168.0.1
    public var remoteIP = IPv4(0xC000_0201)    // 192.0.2.1
    public var bindPort: UInt16 = 8080
    public var connectPort: UInt16 = 8080
    /// --strict_segments: no aggregation of outbound segments.
    public var strictSegments = false
    public var seed: UInt64 = 1
    public var limits = SimulationLimits(maxEvents: 2_000_000, maxTraceEvents: 500_000)
    /// How long past an expected instant to keep simulating for a segment or a call's return.
    public var waitUs: Int64 = 600_000_000
    /// Skip inline Python assertions (`%{ … }%`, which packetdrill checks against TCP_INFO) instead
    /// of calling the script unsupported; the verdict counts them.
    public var skipPython = false
    /// Asked now and then whether to stop (the server's wall-time bound).
    public var shouldStop: (@Sendable () -> String?)? = nil
    /// Instants at which to take socket tables (the trace's snapshots).
    public var snapshotsAt: [Instant] = []

    public init() {}
}

public enum Packetdrill {
    /// The simulated hosts: the kernel under test, and the script's peer.
    public static let localHost = "local"
    public static let remoteHost = "remote"

    /// Parses and runs a script.
    public static func run(_ text: String, config: PDConfig = PDConfig()) -> PDResult {
        var config = config
        let (script, parseProblems) = ScriptParser.parseAll(text)
        var problems = parseProblems
        var sysctls: [(String, SysctlValue)] = []
        problems += applyOptions(script, to: &config)
        var plan: [PlannedEvent] = []
        var seenSocketEvent = false
        var skippedPython = 0
        // A command that ends the script is packetdrill's cleanup command (restoring sysctls); it is not run.
        let cleanup: Int? = { if case .command? = script.events.last?.kind, script.events.count > 1 { return script.events.count - 1 }; return nil }()
        for (index, ev) in script.events.enumerated() where index != cleanup {
            do throws(PDProblem) {
                switch ev.kind {
                case .code:
                    if !config.skipPython {
                        throw PDProblem(.unsupported, line: ev.line, "inline Python assertions (%{ … }%) on TCP_INFO are not run (--skip-python skips them)")
                    }
                    skippedPython += 1
                case let .command(c):
                    if seenSocketEvent {
                        throw PDProblem(.unsupported, line: ev.line, "a shell command after the first call or segment (tcplab applies sysctls before the run starts)")
                    }
                    try Commands.apply(c, line: ev.line, to: &sysctls)
                case let .syscall(sc):
                    seenSocketEvent = true
                    plan.append(PlannedEvent(event: ev, action: .call(try Syscalls.translate(sc, line: ev.line, config: config))))
                case let .packet(p):
                    seenSocketEvent = true
                    plan.append(PlannedEvent(event: ev, action: .packet(p)))
                }
            } catch {
                problems.append(error)
            }
        }
        if let first = script.events.first(where: { if case .command = $0.kind { return false }; return true }),
           first.time.kind == .any || first.time.start != 0 {
            problems.append(PDProblem(.syntax, line: first.line, "first event should be at time 0"))
        }
        problems.sort { $0.line < $1.line }
        if let p = problems.first {
            let outcome: PDVerdict.Outcome = problems.contains { $0.kind == .syntax } ? .invalid : .unsupported
            return PDResult(verdict: PDVerdict(outcome: outcome, line: p.line, message: p.message, problems: problems),
                            trace: nil, eventsRun: 0)
        }
        let run = ScriptRun(plan: plan, config: config, sysctls: sysctls)
        var result = run.execute()
        result.verdict.skippedPython = skippedPython
        return result
    }

    /// packetdrill's command-line options written at the top of a script.
    static func applyOptions(_ script: PDScript, to config: inout PDConfig) -> [PDProblem] {
        var problems: [PDProblem] = []
        for (name, value, line) in script.options {
            switch name {
            case "tolerance_usecs":
                if let v = Int64(value), (0...100_000_000_000).contains(v) { config.toleranceUs = v } else { problems.append(PDProblem(.syntax, line: line, "--tolerance_usecs needs a number")) }
            case "tcp_ts_tick_usecs":
                if let v = Int64(value), (0...1_000_000).contains(v) { config.tsTickUs = v } else { problems.append(PDProblem(.syntax, line: line, "--tcp_ts_tick_usecs needs a number")) }
            case "bind_port", "connect_port":
                guard let v = UInt16(value) else { problems.append(PDProblem(.syntax, line: line, "--\(name) needs a port")); continue }
                if name == "bind_port" { config.bindPort = v } else { config.connectPort = v }
            case "tolerance_percent":
                if let v = Double(value), (0...100).contains(v) { config.tolerancePercent = v } else { problems.append(PDProblem(.syntax, line: line, "--tolerance_percent needs a number")) }
            case "strict_segments":
                config.strictSegments = true
            case "ip_version":
                if value != "ipv4" { problems.append(PDProblem(.unsupported, line: line, "--ip_version=\(value): tcplab simulates IPv4")) }
            case "mss", "local_ip", "remote_ip", "gateway_ip", "netmask_ip", "mtu", "verbose", "non_fatal", "send_omit_free",
                 "init_scripts", "define", "D":
                // mss: the GSO size for injected segments (no effect: tcplab injects whole segments);
                // addresses: tcplab keeps 192.168.0.1 / 192.0.2.1, which segments never show.
                continue
            default:
                problems.append(PDProblem(.unsupported, line: line, "packetdrill option --\(name) is not supported"))
            }
        }
        return problems
    }
}

/// One event of the script, ready to run.
struct PlannedEvent {
    enum Action {
        case packet(PDPacket)
        case call(Syscalls.Translated)
    }
    var event: PDEvent
    var action: Action
}

/// A mismatch: the run stops at the first, as packetdrill does.
struct Mismatch: Error {
    var line: Int
    var message: String
    var detail: [String] = []
}

/// The state of one run.
final class ScriptRun {
    let plan: [PlannedEvent]
    let config: PDConfig
    let sim: Simulation
    let local = Packetdrill.localHost, remote = Packetdrill.remoteHost

    /// The script's clock: when the previous event finished (µs).
    var nowUs: Int64 = 0
    var lastWasInbound = false
    var lastScriptUs: Int64 = 0
    /// Segments the kernel sent on the connection under test, not yet matched.
    var outbound: [TappedSegment] = []

    // The connection under test (packetdrill's socket_under_test).
    var localPort: UInt16
    var remotePort: UInt16 = 0
    var listening = false
    var connecting = false
    var nextEphemeral: UInt16 = 40_000
    var scriptLocalISN: UInt32 = 0
    var liveLocalISN: UInt32 = 0
    var tsValMap: [UInt32: UInt32] = [:]
    var firstTS: (script: UInt32, live: UInt32)?

    /// A call issued with `...` that has not returned yet.
    struct Pending {
        var step: Int
        var event: PDEvent
        var call: Syscalls.Translated
        var endUs: Int64
        /// Written with `...`.
        var blocking: Bool
    }
    var pending: Pending?
    /// Call returns seen in the trace, by step.
    var returns: [Int: (t: Instant, call: CallEvent)] = [:]
    var scanned = 0

    init(plan: [PlannedEvent], config: PDConfig, sysctls: [(String, SysctlValue)]) {
        self.plan = plan
        self.config = config
        localPort = config.bindPort
        var link = LinkSpec(Packetdrill.localHost, Packetdrill.remoteHost, delay: .zero)
        link.queue = 100_000
        let scenario = Scenario(
            name: "packetdrill", seed: config.seed, duration: .seconds(100_000),
            hosts: [HostSpec(name: Packetdrill.localHost, ip: config.localIP, sysctls: sysctls),
                    HostSpec(name: Packetdrill.remoteHost, ip: config.remoteIP)],
            links: [link], steps: [])
        sim = Simulation(scenario: scenario, limits: config.limits, snapshotsAt: config.snapshotsAt)
        sim.shouldStop = config.shouldStop
        sim.tap(host: Packetdrill.remoteHost)
        // Children are named after the fd accept() will return for them.
        var names: [String: [String]] = [:]
        for p in plan {
            if case let .call(t) = p.action, case let .accept(label) = t.call { names[t.socket, default: []].append(label) }
        }
        for (listener, labels) in names { sim.nameChildren(host: local, listener: listener, as: labels) }
    }

    func execute() -> PDResult {
        var ran = 0
        var verdict = PDVerdict.pass
        do {
            for p in plan {
                try run(p)
                ran += 1
            }
            if let p = pending { try awaitReturn(p) }
        } catch let m as Mismatch {
            verdict = PDVerdict(outcome: .fail, line: m.line, message: m.message, detail: m.detail)
        } catch {
            verdict = PDVerdict(outcome: .fail, line: nil, message: "\(error)")
        }
        return PDResult(verdict: verdict, trace: sim.finish(), eventsRun: ran)
    }

    // MARK: Events

    func run(_ p: PlannedEvent) throws {
        let ev = p.event
        // When the event is due (adjust_relative_event_times()).
        let inbound: Bool = { if case let .packet(pk) = p.action { return pk.inbound }; return false }()
        var startUs = ev.time.start, endUs = ev.time.end
        var blockingEnd = ev.time.blockingEnd
        if ev.time.kind != .absolute {
            let offset = (lastWasInbound && inbound) ? lastScriptUs : nowUs
            startUs = ev.time.kind == .any ? nowUs : offset + ev.time.start
            endUs = endUs.map { offset + $0 }
            blockingEnd = blockingEnd.map { offset + $0 }
        }
        switch p.action {
        case let .packet(pk) where pk.inbound:
            try waitUntil(startUs)
            try checkStarted(ev, startUs, endUs, what: "inbound packet")
            inject(pk, event: ev)
        case let .packet(pk):
            try expectOutbound(pk, event: ev, startUs: startUs, endUs: endUs)
        case let .call(c):
            if let prior = pending { try awaitReturn(prior) }
            try waitUntil(startUs)
            try checkStarted(ev, startUs, endUs, what: "system call start")
            try call(c, event: ev, blockingEnd: blockingEnd)
        }
        lastWasInbound = inbound
        lastScriptUs = startUs
    }

    /// Simulates up to the script instant `t` (the script's clock never runs backwards).
    /// Everything due by then happens first, including what an injected segment set off at this very
    /// instant (packetdrill's write to the tun device returns after the kernel has processed it).
    func waitUntil(_ t: Int64) throws {
        try advance(to: max(t, nowUs))
        nowUs = max(nowUs, t)
    }

    /// An event that runs late (an absolute time already passed) is a timing error, as in packetdrill.
    func checkStarted(_ ev: PDEvent, _ startUs: Int64, _ endUs: Int64?, what: String) throws {
        if ev.time.kind == .any { return }
        if let e = timingError(what, startUs: startUs, endUs: endUs, actualUs: nowUs) {
            throw Mismatch(line: ev.line, message: e)
        }
    }

    // MARK: Simulating

    /// Runs the simulation to `t` (µs), or only until a segment for the connection under test is out
    /// when `untilSegment`. A pending call that returns on the way is checked.
    func advance(to t: Int64, untilSegment: Bool = false, untilReturn: Bool = false) throws {
        while true {
            sim.advance(through: Instant(us: t)) {
                (untilSegment && sim.hasTapped) || (pending.map { scanReturns(); return returns[$0.step] != nil } ?? false)
            }
            collectOutbound()
            if let p = pending {
                scanReturns()
                if returns[p.step] != nil {
                    pending = nil
                    try verifyReturn(p)
                    if untilReturn { return }
                }
            }
            if let reason = sim.stopReason { throw Mismatch(line: 0, message: "the simulation stopped: \(reason)") }
            if sim.currentTime.us >= t || (untilSegment && !outbound.isEmpty) { return }
        }
    }

    func scanReturns() {
        for e in sim.recordedEvents(from: scanned) {
            if case let .call(c) = e.kind, c.phase == .return { returns[c.step] = (e.t, c) }
        }
        scanned = sim.recordedCount
    }

    /// Keeps what the kernel sent on the connection under test; packetdrill ignores other tuples.
    func collectOutbound() {
        for s in sim.takeTapped() {
            let seg = s.segment
            if connecting && seg.flags.contains(.syn) && !seg.flags.contains(.ack) && seg.dst.port == config.connectPort {
                outbound.append(s)
            } else if remotePort == 0 || (seg.src.port == localPort && seg.dst.port == remotePort) {
                outbound.append(s)
            }
        }
    }
}
