import Foundation
import JSONCore
import TCPSim
import Testing

/// Each catalogue scenario against a capture of the real Linux 6.18 kernel running the same timeline
/// (Tests/KernelCaptures, made with shared/tools/kernel-capture; scripts beside them). Compared: the
/// sequence of segments as the server's interface saw them, with flags, relative seq/ack, length and
/// window. The captures' hosts had tcp_rmem max 32 MiB (window scale 10), so the simulated hosts get
/// the same value here.
@Suite struct KernelConformanceTests {
    struct Case: Sendable, CustomStringConvertible {
        var capture: String
        var scenario: String
        var params: [String: String] = [:]
        /// Compare only what happens before this instant (the capture's script goes on differently).
        var until: Double? = nil
        /// How far a return time may be from the kernel's. Linux's timer wheel fires timers of a
        /// second or more up to 8 jiffies (32 ms) late, and such slack adds up over retransmissions.
        var tolerance: Double = 0.008
        /// Hosts whose calls are compared (the capture scripts emulate a dead host with extra calls).
        var callHosts = ["client", "server"]
        /// Compare windows too (not where the capture forged a segment the simulation sends for real).
        var windows = true
        var description: String { capture }
    }

    static let cases: [Case] = [
        Case(capture: "port-in-use", scenario: "port-in-use"),
        Case(capture: "port-in-use-reuseaddr", scenario: "port-in-use", params: ["reuseaddr": "1"]),
        Case(capture: "handshake-queues", scenario: "handshake-queues"),
        Case(capture: "handshake-queues-accept-first", scenario: "handshake-queues", params: ["accept_at": "0s"]),
        Case(capture: "receive-buffer", scenario: "receive-buffer"),
        Case(capture: "four-way-close", scenario: "four-way-close"),
        Case(capture: "no-listen-rst", scenario: "no-listen-rst"),
        Case(capture: "self-connect", scenario: "self-connect"),
        Case(capture: "simultaneous-open", scenario: "simultaneous-open"),
        Case(capture: "three-way-close", scenario: "three-way-close"),
        Case(capture: "three-way-close-slow", scenario: "three-way-close", params: ["server_close_delay": "200ms"]),
        Case(capture: "shutdown-vs-close-shutdown", scenario: "shutdown-vs-close", params: ["mode": "shutdown"]),
        Case(capture: "shutdown-vs-close-close", scenario: "shutdown-vs-close", params: ["mode": "close"]),
        Case(capture: "close-unread-data-rst", scenario: "close-unread-data-rst"),
        Case(capture: "delayed-ack", scenario: "delayed-ack"),
        // Backlog 1: two request sockets, then SYN cookies; the cookie ACKs meet a full accept queue.
        Case(capture: "handshake-queues-overflow", scenario: "handshake-queues",
             params: ["backlog": "1", "clients": "4", "accept_at": "2s"], until: 2.4),
        // Backlog 1, clients 50 ms apart: the third SYN meets a full accept queue and is dropped;
        // its 1 s retransmissions get in once accept() made room.
        Case(capture: "handshake-queues-overflow-reqsk", scenario: "handshake-queues",
             params: ["backlog": "1", "clients": "3", "stagger": "50ms", "accept_at": "2s"], until: 2.4, tolerance: 0.064),
        // tcp_abort_on_overflow = 1 changes nothing here: cookie ACKs are exempt, and a SYN meeting a
        // full accept queue is dropped before any ACK could overflow it.
        Case(capture: "handshake-queues-overflow-abort", scenario: "handshake-queues",
             params: ["backlog": "1", "clients": "4", "accept_at": "2s", "tcp_abort_on_overflow": "1"], until: 2.4),
        Case(capture: "handshake-queues-overflow-reqsk-abort", scenario: "handshake-queues",
             params: ["backlog": "1", "clients": "3", "stagger": "50ms", "accept_at": "2s", "tcp_abort_on_overflow": "1"],
             until: 2.4, tolerance: 0.064),
        Case(capture: "process-crash", scenario: "process-crash", until: 1.5, callHosts: ["server"]),
        Case(capture: "host-reboot-rst", scenario: "host-reboot-rst", callHosts: ["server"]),
        // Backed-off timers of 0.5–8 s fire up to 1/8 of their length late in Linux's timer wheel;
        // the simulator fires them on time, so the last retransmissions differ by up to half a second.
        Case(capture: "cable-unplug-with-data", scenario: "cable-unplug-with-data", until: 17.95, tolerance: 0.6),
        Case(capture: "host-crash-with-data", scenario: "host-crash-with-data", params: ["tcp_retries2": "5"],
             until: 18.5, tolerance: 0.6, callHosts: ["server"]),
        Case(capture: "time-wait-legal-syn", scenario: "time-wait-legal-syn", until: 2.6),
        // The capture forged the old SYN (no client socket behind it, so no retried SYN follows).
        Case(capture: "time-wait-illegal-syn", scenario: "time-wait-illegal-syn", until: 2.045, callHosts: ["server"], windows: false),
        Case(capture: "crash-reconnect-same-port", scenario: "crash-reconnect-same-port", until: 6.6, callHosts: ["server"]),
        Case(capture: "kill-connection-forged-rst", scenario: "kill-connection-forged-rst", until: 2.9),
        // RACK retransmits the held data after its reordering window; Linux's timer fired 13 ms later.
        Case(capture: "out-of-order-fin", scenario: "out-of-order-fin", until: 0.9, tolerance: 0.02),
        Case(capture: "cable-unplug-keepalive", scenario: "cable-unplug-keepalive",
             params: ["keepidle": "5", "keepintvl": "2", "keepcnt": "3"], until: 11.6, tolerance: 0.3, callHosts: ["server"]),
    ]

    static var capturesDir: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("KernelCaptures")
    }

    static func loadCapture(_ name: String) throws -> JSON {
        let data = try Data(contentsOf: capturesDir.appendingPathComponent("\(name).json"))
        return try JSON.parse(String(decoding: data, as: UTF8.self))
    }

    static let flagOrder = ["SYN", "FIN", "RST", "PSH", "ACK"]

    static func normalizeFlags(_ names: [String]) -> String {
        flagOrder.filter { names.contains($0) }.joined(separator: "|")
    }

    @Test(arguments: cases)
    func segmentsMatchTheKernel(_ c: Case) throws {
        let capture = try Self.loadCapture(c.capture)
        let t0 = capture["topology"]?["scenario_t0"]?.doubleValue ?? 0
        // Relative numbers as the simulator's trace computes them (per direction, from the latest SYN,
        // falling back to an earlier incarnation's ISN), recomputed from the capture's absolute ones.
        var bases: [String: [UInt32]] = [:]
        func rel(_ v: UInt32, _ key: String) -> Int64 {
            for b in bases[key] ?? [] where v &- b < 1 << 31 { return Int64(v &- b) }
            return Int64(v &- (bases[key]?.first ?? v))
        }
        let kernel: [String] = (capture["segments"]?.arrayValue ?? []).filter { s in
            c.until.map { (s["t"]!.doubleValue! - t0) < $0 } ?? true
        }.map { s in
            let label = s["src"]?.stringValue == "client" ? "C>S" : "S>C"
            let sport = s["sport"]!.intValue!, dport = s["dport"]!.intValue!
            let dir = "\(sport)>\(dport)", back = "\(dport)>\(sport)"
            let names = (s["flags"]?.stringValue ?? "").split(separator: "|").map(String.init)
            let flags = Self.normalizeFlags(names)
            let seqAbs = UInt32(truncatingIfNeeded: s["seq_abs"]!.intValue!)
            if names.contains("SYN") { bases[dir] = [seqAbs] + (bases[dir] ?? []) } else if bases[dir] == nil { bases[dir] = [seqAbs] }
            let ack = s["ack_abs"].flatMap { $0.intValue }.map { rel(UInt32(truncatingIfNeeded: $0), back) }.map(String.init) ?? "-"
            let win = c.windows ? " win=\(s["win"]!.intValue!)" : ""
            return "\(label) \(flags) \(rel(seqAbs, dir)) \(ack) \(s["len"]!.intValue!)\(win)"
        }
        let oneHost = c.scenario == "self-connect"
        let sets = (oneHost ? ["client"] : ["client", "server"]).map { "\($0).tcp_rmem=4096 131072 33554432" }
        let trace = try runCatalogue(c.scenario, params: c.params, sets: sets)
        // Order as the server's interface sees them: client segments when they arrive, server ones when sent.
        let segs = segments(trace).sorted { a, b in
            let ta = oneHost || a.from == "server" ? a.t : (a.arrives ?? a.t)
            let tb = oneHost || b.from == "server" ? b.t : (b.arrives ?? b.t)
            return ta < tb
        }
        let sim = segs.filter { s in
            // The capture point is the server's interface: client segments lost on the way never reach it,
            // and segments forged straight onto the client's link never pass it.
            if !oneHost && s.from == "client" && s.arrives == nil { return false }
            if !oneHost && s.injected && s.from == "server" { return false }
            let seen = oneHost || s.from == "server" ? s.t : (s.arrives ?? s.t)
            return c.until.map { seen < $0 } ?? true
        }.map { s in
            "\(s.from == "client" ? "C>S" : "S>C") \(Self.normalizeFlags(s.flags.split(separator: "|").map(String.init))) \(s.seq) \(s.ack.map(String.init) ?? "-") \(s.len)\(c.windows ? " win=\(s.win)" : "")"
        }
        #expect(sim == kernel, "\(c.capture): simulated segments differ from the Linux capture")
    }
}

extension KernelConformanceTests {
    /// The application calls' outcomes and return times, side by side with the capture: connect(),
    /// accept(), send()/write(), recv()/read(), shutdown() and close(), in order per host, each with its
    /// result (bytes, data, EOF, errno) and return time within 8 ms (the capture's relay adds 0.2–0.5 ms
    /// per hop and its delayed-ACK timers fire on 4 ms jiffies), or the case's wider tolerance.
    @Test(arguments: cases)
    func callsMatchTheKernel(_ c: Case) throws {
        let capture = try Self.loadCapture(c.capture)
        let t0 = capture["topology"]?["scenario_t0"]?.doubleValue ?? 0
        let names = ["connect": "connect", "accept": "accept", "send": "write", "recv": "read", "close": "close", "shutdown": "shutdown"]
        struct Outcome: Equatable, CustomStringConvertible {
            var host: String, call: String, value: String, t: Double
            var description: String { "\(host) \(call) → \(value) @\(String(format: "%.3f", t))" }
        }
        var kernel: [Outcome] = []
        for a in capture["app"]?.arrayValue ?? [] {
            // Scripts name some calls "connect-c2", "recv-bulk", "recv-drain": the part before '-' is the call.
            guard let full = a["event"]?.stringValue, let ev = full.split(separator: "-").first.map(String.init),
                  let call = names[ev], let side = a["side"]?.stringValue, let t = a["t"]?.doubleValue else { continue }
            if a["error"]?.stringValue == "TIMEOUT" { continue }   // SO_RCVTIMEO in the script: not a TCP outcome
            var value = "ok"
            if let e = a["error"]?.stringValue { value = e }
            else if ev == "recv" { value = a["result"]?.stringValue == "EOF" ? "0" : "\(a["bytes"]?.intValue ?? -1)" }
            else if ev == "send" { value = "\(a["bytes"]?.intValue ?? -1)" }
            if let u = c.until, t - t0 >= u { continue }
            kernel.append(Outcome(host: side, call: call, value: value, t: t - t0))
        }
        let oneHost = c.scenario == "self-connect"
        let sets = (oneHost ? ["client"] : ["client", "server"]).map { "\($0).tcp_rmem=4096 131072 33554432" }
        let trace = try runCatalogue(c.scenario, params: c.params, sets: sets)
        let sim: [Outcome] = returns(trace).compactMap { r in
            guard names.values.contains(r.call), c.until.map({ r.t < $0 }) ?? true else { return nil }
            // The kernel scripts' extra sockets (port-in-use's s2) only bind; their close is not recorded.
            if r.call == "close" && (r.socket == "s2" || r.socket == "ls") { return nil }
            var value = "ok"
            if let e = r.errno { value = e } else if r.call == "read" || r.call == "write" { value = "\(r.result ?? -1)" }
            return Outcome(host: r.host, call: r.call, value: value, t: r.t)
        }
        for host in c.callHosts {
            let k = kernel.filter { $0.host == host }
            let s = sim.filter { $0.host == host }
            #expect(k.map { "\($0.call) \($0.value)" } == s.map { "\($0.call) \($0.value)" }, "\(c.capture) \(host): calls differ\nkernel: \(k)\nsim:    \(s)")
            for (a, b) in zip(k, s) where a.call == b.call {
                #expect(abs(a.t - b.t) <= c.tolerance, "\(c.capture): \(host) \(a.call) returned at \(b.t) in the simulation, \(a.t) in Linux")
            }
        }
    }
}
