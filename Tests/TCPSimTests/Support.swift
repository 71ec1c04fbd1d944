import Foundation
import JSONCore
import TCPSim
import Testing
import TraceFormats

/// A segment as a test sees it: who sent it, flags, relative seq/ack, length, window and times.
struct Seg: Equatable, CustomStringConvertible {
    var from: String
    var flags: String
    var seq: Int64
    var ack: Int64?
    var len: Int
    var win: Int
    var t: Double
    var arrives: Double?
    var options: JSON
    var injected = false

    var description: String { "\(from) \(flags) seq=\(seq) ack=\(ack.map(String.init) ?? "-") len=\(len) win=\(win) t=\(t)" }
    /// "client SYN|ACK 0 1 0": the part of a segment the kernel reference pins down.
    var shape: String { "\(from) \(flags) \(seq) \(ack.map(String.init) ?? "-") \(len)" }
}

/// Runs a catalogue scenario (with parameters and sysctl overrides) and returns its trace.
func runCatalogue(_ id: String, params: [String: String] = [:], sets: [String] = [], seed: UInt64? = nil,
                  socketsAt: [Double] = []) throws -> Trace {
    guard let entry = Catalogue.entry(id) else { throw ScenarioErrors(errors: [ScenarioError(path: "id", message: "no \(id)")]) }
    var s = try entry.scenario(params: params)
    if !sets.isEmpty || seed != nil { s = try s.overriding(sysctls: sets, seed: seed) }
    return Simulation(scenario: s, snapshotsAt: socketsAt.map { Instant(us: Int64(($0 * 1e6).rounded())) }).run()
}

/// The trace's events as contract JSON (what outside tools read).
func jsonEvents(_ trace: Trace) -> [JSON] {
    TraceJSON.encode(trace)["events"]?.arrayValue ?? []
}

func segments(_ trace: Trace) -> [Seg] {
    jsonEvents(trace).filter { $0["type"]?.stringValue == "segment" }.map { e in
        Seg(from: e["from"]!.stringValue!, flags: (e["flags"]!.arrayValue!).compactMap(\.stringValue).joined(separator: "|"),
            seq: e["seq"]!.intValue!, ack: e["ack"]?.intValue, len: Int(e["len"]!.intValue!), win: Int(e["win"]!.intValue!),
            t: e["t"]!.doubleValue!, arrives: e["arrivesAt"]?.doubleValue, options: e["options"] ?? .null,
            injected: e["injected"] == .bool(true))
    }
}

/// A call's return as (host, socket, call, time, result, errno, data).
struct Ret: Equatable, CustomStringConvertible {
    var host: String
    var socket: String
    var call: String
    var t: Double
    var result: Int64?
    var errno: String?
    var data: String?
    var description: String { "\(host)/\(socket) \(call)@\(t) = \(result.map(String.init) ?? "?") \(errno ?? "") \(data ?? "")" }
}

func returns(_ trace: Trace) -> [Ret] {
    jsonEvents(trace).filter { $0["type"]?.stringValue == "call" && $0["phase"]?.stringValue == "return" }.map { e in
        Ret(host: e["host"]!.stringValue!, socket: e["socket"]!.stringValue!, call: e["call"]!.stringValue!, t: e["t"]!.doubleValue!,
            result: e["result"]?.intValue, errno: e["errno"]?.stringValue, data: e["data"]?.stringValue)
    }
}

func ret(_ trace: Trace, _ host: String, _ socket: String, _ call: String, nth: Int = 0) -> Ret? {
    let all = returns(trace).filter { $0.host == host && $0.socket == socket && $0.call == call }
    return all.indices.contains(nth) ? all[nth] : nil
}

/// State transitions of one socket: ["CLOSED>SYN_SENT@0.0", …].
func states(_ trace: Trace, _ host: String, _ socket: String) -> [String] {
    jsonEvents(trace).filter { $0["type"]?.stringValue == "state" && $0["host"]?.stringValue == host && $0["socket"]?.stringValue == socket }
        .map { "\($0["from"]!.stringValue!)>\($0["to"]!.stringValue!)@\(fmt($0["t"]!.doubleValue!))" }
}

func fmt(_ t: Double) -> String {
    var s = String(format: "%.6f", t)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

/// Seconds, to the microsecond, for comparing instants.
func us(_ t: Double) -> Int64 { Int64((t * 1e6).rounded()) }

/// The standard two-host run the fix tests share: a client (10.0.0.1) and a server (10.0.0.2) on one
/// link (20 ms each way unless `link` says otherwise). By default the server listens on 8888 and
/// accepts "conn", and the client's socket "c" connects at 0; `serverSteps` / `clientSteps` replace
/// those openings. `steps`, `rules` and `faults` are JSON array items added as they are.
func clientServerRun(duration: Double, clientSysctls: String = "{}", serverSysctls: String = "{}", link: String = #""delay": "20ms""#,
                     rules: String = "", faults: String = "", serverSteps: String? = nil, clientSteps: String? = nil,
                     socketsAt: [Double] = [], _ steps: String = "") throws -> Trace {
    let server = serverSteps ?? """
      {"at": 0, "host": "server", "socket": "ls", "call": "socket"},
      {"at": 0, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
      {"at": 0, "host": "server", "socket": "ls", "call": "listen"},
      {"at": 0, "host": "server", "socket": "ls", "call": "accept", "as": "conn"}
    """
    let client = clientSteps ?? """
      {"at": 0, "host": "client", "socket": "c", "call": "socket"},
      {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"}
    """
    let all = [server, client, steps].filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    let text = """
    {"duration": \(duration), "hosts": [{"name": "client", "ip": "10.0.0.1", "sysctls": \(clientSysctls)}, {"name": "server", "ip": "10.0.0.2", "sysctls": \(serverSysctls)}],
     "links": [{"between": ["client", "server"], \(link)}],
     "rules": [\(rules)], "faults": [\(faults)],
     "steps": [\(all.joined(separator: ",\n"))]}
    """
    return Simulation(scenario: try ScenarioParser.parse(text),
                      snapshotsAt: socketsAt.map { Instant(us: Int64(($0 * 1e6).rounded())) }).run()
}
