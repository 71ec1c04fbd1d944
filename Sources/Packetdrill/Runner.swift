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
                if let v = Int64(value), v >= 0 { config.toleranceUs = v } else { problems.append(PDProblem(.syntax, line: line, "--tolerance_usecs needs a number")) }
            case "tcp_ts_tick_usecs":
                if let v = Int64(value), v >= 0 { config.tsTickUs = v } else { problems.append(PDProblem(.syntax, line: line, "--tcp_ts_tick_usecs needs a number")) }
            case "bind_port", "connect_port":
                guard let v = UInt16(value) else { problems.append(PDProblem(.syntax, line: line, "--\(name) needs a port")); continue }
                if name == "bind_port" { config.bindPort = v } else { config.connectPort = v }
            case "tolerance_percent":
                if let v = Double(value), v >= 0 { config.tolerancePercent = v } else { problems.append(PDProblem(.syntax, line: line, "--tolerance_percent needs a number")) }
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
        if let e = timingError(what, startUs: startUs, endUs: endUs, actualUs: nowUs, relative: ev.time.kind == .relative) {
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

    // MARK: Inbound

    func inject(_ pk: PDPacket, event ev: PDEvent) {
        if pk.flags.contains(.syn) && !pk.flags.contains(.ack) && (listening || remotePort == 0) {
            // handle_listen_for_script_packet(): a new child with a fresh remote port.
            listening = false
            localPort = config.bindPort
            remotePort = nextEphemeral
            nextEphemeral &+= 1
            scriptLocalISN = 0
            liveLocalISN = 0
            tsValMap = [:]
            firstTS = nil
        }
        let ackOffset = liveLocalISN &- scriptLocalISN
        var o = TCPOptions()
        for opt in pk.options ?? [] {
            switch opt {
            case let .mss(v): o.mss = v
            case .sackOK: o.sackPermitted = true
            case let .wscale(v): o.windowScale = v
            case let .timestamp(val, ecr):
                var live = ecr
                if pk.flags.contains(.ack) {
                    if let mapped = tsValMap[ecr] { live = mapped } else if let f = firstTS { live = ecr &- f.script &+ f.live }
                }
                o.timestamp = (val, live)
            case let .sack(blocks):
                o.sack = blocks.map { SackBlock(SeqNum($0.0 &+ ackOffset), SeqNum($0.1 &+ ackOffset)) }
            case .nop, .eol:
                break
            }
        }
        // Explicit ports are used as written (map_inbound_packet() restores them); the connection
        // under test stays what it was.
        let seg = Segment(src: SocketAddress(config.remoteIP, pk.ports?.src ?? remotePort),
                          dst: SocketAddress(config.localIP, pk.ports?.dst ?? localPort),
                          seq: SeqNum(pk.seq), ack: SeqNum(pk.flags.contains(.ack) ? (pk.ack ?? 0) &+ ackOffset : 0),
                          flags: pk.flags, window: pk.window ?? 0, options: o,
                          payload: ArraySlice(repeating: UInt8(ascii: "x"), count: pk.len))
        sim.send(seg, from: remote)
        sim.annotateLast(lineNote(ev)) { if case .segment = $0.kind { return true }; return false }
    }

    func lineNote(_ ev: PDEvent) -> Note {
        Note(en: "packetdrill line \(ev.line): \(ev.text)", zh: "packetdrill 脚本第 \(ev.line) 行：\(ev.text)")
    }

    // MARK: Outbound

    /// The next segment the kernel sends on the connection under test, simulating until one comes.
    func nextOutbound(_ ev: PDEvent, expectedUs: Int64) throws -> TappedSegment {
        if outbound.isEmpty {
            let deadline = max(nowUs, expectedUs) + config.toleranceUs + config.waitUs
            try advance(to: deadline, untilSegment: true)
        }
        guard !outbound.isEmpty else {
            throw Mismatch(line: ev.line, message: "expected outbound packet at \(secs(expectedUs)) sec but the kernel sent nothing (simulated to \(secs(sim.currentTime.us)) sec)",
                           detail: ["script packet: \(secs(expectedUs)) \(describe(ev))"])
        }
        return outbound.removeFirst()
    }

    func expectOutbound(_ pk: PDPacket, event ev: PDEvent, startUs: Int64, endUs: Int64?) throws {
        var frags = [try nextOutbound(ev, expectedUs: startUs)]
        let first = frags[0].segment
        // The connection's numbers are learned from the kernel's SYN or SYN-ACK.
        if pk.flags.contains(.syn) && first.flags.contains(.syn) {
            scriptLocalISN = pk.seq
            liveLocalISN = first.seq.raw
            if connecting && !first.flags.contains(.ack) {
                localPort = first.src.port
                remotePort = first.dst.port
                connecting = false
            }
        }
        var total = first.len
        while total < pk.len && !config.strictSegments {
            let next = try nextOutbound(ev, expectedUs: startUs)
            let prev = frags[frags.count - 1].segment
            let n = next.segment
            let same: TCPFlags = [.syn, .rst, .ack, .urg, .ece]
            if n.flags.intersection(same) != prev.flags.intersection(same) || n.seq != prev.seq + prev.len
                || n.ack != prev.ack || n.window != prev.window
                || (total + n.len < pk.len && n.len != prev.len) {
                throw Mismatch(line: ev.line, message: "fragment payload: expected \(prev.len) bytes vs actual \(n.len) bytes; total payload: expected \(pk.len) bytes vs actual \(total + n.len) bytes",
                               detail: ["script packet: \(secs(startUs)) \(describe(ev))", "actual packet: \(secs(next.at.us)) \(describeActual(n))"])
            }
            frags.append(next)
            total += n.len
        }
        var actual = first
        actual.payload = ArraySlice(repeating: 0, count: total)
        for f in frags.dropFirst() { actual.flags.formUnion(f.segment.flags.intersection([.fin, .psh, .cwr])) }
        let at = frags[0].at.us
        nowUs = max(nowUs, frags[frags.count - 1].at.us)
        let detail = ["script packet: \(secs(startUs)) \(describe(ev))", "actual packet: \(secs(at)) \(describeActual(actual))"]
        func fail(_ m: String) -> Mismatch { Mismatch(line: ev.line, message: m, detail: detail) }

        if total != pk.len { throw fail("live packet payload: expected \(pk.len) bytes vs actual \(total) bytes") }
        let actualOptions = Self.linuxOptions(actual.options)
        if let want = pk.options, Self.length(want) != Self.length(actualOptions) {
            throw fail(field("tcp_data_offset", UInt32(5 + (Self.length(want) + 3) / 4), UInt32(5 + (Self.length(actualOptions) + 3) / 4)))
        }
        for (flag, name) in [(TCPFlags.fin, "tcp_fin"), (.syn, "tcp_syn"), (.rst, "tcp_rst"), (.psh, "tcp_psh"), (.ack, "tcp_ack"),
                             (.urg, "tcp_urg"), (.ece, "tcp_ece"), (.cwr, "tcp_cwr")] where pk.flags.contains(flag) != actual.flags.contains(flag) {
            throw fail(field(name, pk.flags.contains(flag) ? 1 : 0, actual.flags.contains(flag) ? 1 : 0))
        }
        let seq = actual.seq.raw &- liveLocalISN &+ scriptLocalISN
        if seq != pk.seq { throw fail(field("tcp_seq", pk.seq, seq)) }
        let ack = actual.flags.contains(.ack) ? actual.ack.raw : 0
        if (pk.ack ?? 0) != ack { throw fail(field("tcp_ack_seq", pk.ack ?? 0, ack)) }
        if let w = pk.window, w != actual.window { throw fail(field("tcp_window", UInt32(w), UInt32(actual.window))) }
        if let want = pk.options {
            if want.map(\.kind) != actualOptions.map(\.kind) { throw fail("bad outbound TCP options") }
            for (w, a) in zip(want, actualOptions) {
                switch (w, a) {
                case let (.timestamp(sv, _), .timestamp(av, _)):
                    if config.tsTickUs > 0, let f = firstTS {
                        let mapped = f.script &+ (av &- f.live)
                        if abs(Int64(Int32(bitPattern: mapped &- sv))) * config.tsTickUs > config.toleranceUs {
                            throw fail("bad outbound TCP timestamp value, tolerance \(config.toleranceUs)")
                        }
                    }
                case (.nop, _), (.eol, _):
                    break
                default:
                    if w != a { throw fail("bad value outbound TCP option \(w.kind)") }
                }
            }
        }
        // Remember script TS val → live TS val, for the ecr of later inbound segments.
        if case let .timestamp(sv, _)? = pk.options?.first(where: { $0.kind == 8 }), let av = actual.options.tsVal {
            tsValMap[sv] = av
            if firstTS == nil { firstTS = (sv, av) }
        }
        if let e = timingError("outbound packet", startUs: startUs, endUs: endUs, actualUs: at, relative: ev.time.kind == .relative),
           ev.time.kind != .any {
            throw fail(e)
        }
        for f in frags { sim.annotateLast(lineNote(ev)) { if case let .segment(s) = $0.kind { return s.id == f.id }; return false } }
    }

    /// Linux's option layout (tcp_options_write()): MSS; SACK_PERM+TS or NOP,NOP,TS; NOP,NOP,SACK_PERM
    /// without TS; NOP,WSCALE; NOP,NOP,SACK blocks.
    static func linuxOptions(_ o: TCPOptions) -> [PDOption] {
        var out: [PDOption] = []
        if let m = o.mss { out.append(.mss(m)) }
        if let v = o.tsVal {
            out += o.sackPermitted ? [.sackOK, .timestamp(val: v, ecr: o.tsEcr)] : [.nop, .nop, .timestamp(val: v, ecr: o.tsEcr)]
        } else if o.sackPermitted {
            out += [.nop, .nop, .sackOK]
        }
        if let w = o.windowScale { out += [.nop, .wscale(w)] }
        if !o.sack.isEmpty { out += [.nop, .nop, .sack(o.sack.map { ($0.left.raw, $0.right.raw) })] }
        return out
    }

    /// Bytes the options take on the wire.
    static func length(_ opts: [PDOption]) -> Int {
        opts.reduce(0) { n, o in
            switch o {
            case .nop, .eol: return n + 1
            case .mss: return n + 4
            case .wscale: return n + 3
            case .sackOK: return n + 2
            case .timestamp: return n + 10
            case let .sack(b): return n + 2 + 8 * b.count
            }
        }
    }

    func field(_ name: String, _ expected: UInt32, _ actual: UInt32) -> String {
        "live packet field \(name): expected: \(expected) (0x\(String(expected, radix: 16))) vs actual: \(actual) (0x\(String(actual, radix: 16)))"
    }

    func describe(_ ev: PDEvent) -> String {
        guard case let .packet(pk) = ev.kind else { return ev.text }
        var s = "\(pk.flagsText) \(pk.seq):\(pk.seq &+ UInt32(pk.len))(\(pk.len))"
        if let a = pk.ack { s += " ack \(a)" }
        if let w = pk.window { s += " win \(w)" }
        s += pk.options.map { $0.isEmpty ? "" : " <" + $0.map(\.description).joined(separator: ",") + ">" } ?? " <...>"
        return s
    }

    /// An actual segment in script space, written the way the script writes segments.
    func describeActual(_ seg: Segment) -> String {
        var flags = ""
        for (f, c) in [(TCPFlags.syn, "S"), (.fin, "F"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.ece, "E"), (.cwr, "W"), (.urg, "U")]
        where seg.flags.contains(f) { flags += c }
        let seq = seg.seq.raw &- liveLocalISN &+ scriptLocalISN
        var s = "\(flags) \(seq):\(seq &+ UInt32(seg.len))(\(seg.len))"
        if seg.flags.contains(.ack) { s += " ack \(seg.ack.raw)" }
        s += " win \(seg.window)"
        let o = Self.linuxOptions(seg.options)
        if !o.isEmpty { s += " <" + o.map(\.description).joined(separator: ",") + ">" }
        return s
    }

    // MARK: Calls

    func call(_ c: Syscalls.Translated, event ev: PDEvent, blockingEnd: Int64?) throws {
        switch c.call {
        case .socket:
            listening = false
            connecting = false
        case .listen:
            listening = true
            localPort = config.bindPort
            remotePort = 0
        case .connect:
            connecting = true
            remotePort = config.connectPort
        default:
            break
        }
        let step = sim.call(host: local, socket: c.socket, c.call)
        sim.annotateLast(lineNote(ev)) { if case let .call(ce) = $0.kind { return ce.step == step && ce.phase == .enter }; return false }
        scanReturns()
        if returns[step] != nil {
            try verifyResult(c, event: ev, step: step)
            return
        }
        let p = Pending(step: step, event: ev, call: c, endUs: blockingEnd ?? nowUs, blocking: blockingEnd != nil)
        if blockingEnd != nil {
            pending = p
            return
        }
        // Expected to return at once: like packetdrill, wait for it; a late return is a timing error.
        try awaitReturn(p)
        if let r = returns[step] { nowUs = max(nowUs, r.t.us) }
    }

    /// Simulates until a pending call returns, then checks it (time and result).
    func awaitReturn(_ p: Pending) throws {
        pending = p
        let deadline = max(nowUs, p.endUs) + config.toleranceUs + config.waitUs
        try advance(to: deadline, untilReturn: true)
        if pending != nil {
            pending = nil
            let hint = p.blocking ? "" : "; a call that waits for later events of the script is written with `...`"
            throw Mismatch(line: p.event.line, message: "\(p.call.name)() was still blocked at \(secs(sim.currentTime.us)) sec (the script expects it to return at \(secs(p.endUs)) sec\(hint))")
        }
    }

    func verifyReturn(_ p: Pending) throws {
        guard let r = returns[p.step] else { return }
        if let e = timingError("system call return", startUs: p.endUs, endUs: nil, actualUs: r.t.us, relative: false) {
            throw Mismatch(line: p.event.line, message: e + (p.blocking ? "" : " (the call blocked: a blocking call is written with `...`)"))
        }
        try verifyResult(p.call, event: p.event, step: p.step)
    }

    func verifyResult(_ c: Syscalls.Translated, event ev: PDEvent, step: Int) throws {
        guard let r = returns[step] else { return }
        let actual: Int64 = { if case let .int(v)? = r.call.result { return Int64(v) }; return 0 }()
        let err = r.call.errno?.rawValue
        if c.expected == -1, let want = c.expectedErrno {
            if actual != -1 { throw Mismatch(line: ev.line, message: "\(c.name)(): expected result -1 (\(want)) but got \(actual)") }
            if err != want { throw Mismatch(line: ev.line, message: "\(c.name)(): expected errno \(want) but got \(err ?? "none")") }
            return
        }
        // socket() and accept() results are descriptors the script names; packetdrill maps the
        // script's number to the real one (run_syscall_socket(), run_syscall_accept()), so any
        // descriptor matches.
        if c.expected >= 0, actual >= 0, c.call == .socket || { if case .accept = c.call { return true }; return false }() { return }
        if actual != c.expected {
            throw Mismatch(line: ev.line, message: "\(c.name)(): expected result \(c.expected) but got \(actual)" + (err.map { " with errno \($0)" } ?? ""))
        }
        if let want = c.expectedValue, let got = r.call.value, want != got {
            let name = { (n: Int) in Errno.allCases.first { $0.linuxNumber == n }.map { " (\($0.rawValue))" } ?? "" }
            throw Mismatch(line: ev.line, message: "\(c.name)(): expected value \(want)\(name(want)) but got \(got)\(name(got))")
        }
    }

    // MARK: Time

    /// verify_time(): within the tolerance of the instant, or of a range.
    func timingError(_ what: String, startUs: Int64, endUs: Int64?, actualUs: Int64, relative: Bool) -> String? {
        // verify_time(): the tolerance grows to tolerance_percent of the time since the last event.
        let tol = max(config.toleranceUs, Int64(config.tolerancePercent / 100 * Double(max(0, startUs - lastScriptUs))))
        if let endUs {
            if actualUs < startUs - tol || actualUs > endUs + tol {
                return "timing error: expected \(what) in time range \(secs(startUs))~\(secs(endUs)) sec but happened at \(secs(actualUs)) sec"
            }
            return nil
        }
        if actualUs < startUs - tol || actualUs > startUs + tol {
            return "timing error: expected \(what) at \(secs(startUs)) sec but happened at \(secs(actualUs)) sec; tolerance \(secs(tol)) sec"
        }
        return nil
    }
}

/// Seconds with six decimals, as packetdrill prints them.
func secs(_ us: Int64) -> String {
    let sign = us < 0 ? "-" : ""
    let a = abs(us)
    let frac = String(a % 1_000_000)
    return "\(sign)\(a / 1_000_000).\(String(repeating: "0", count: 6 - frac.count))\(frac)"
}
