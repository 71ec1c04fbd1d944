// packetdrill scripts as runs: POST /api/runs with Content-Type text/x-packetdrill runs the script
// against the simulated host and stores the run with its verdict (pass or fail, with the first
// mismatch), so the viewer draws it like any other run. A script that cannot run (syntax, or
// something tcplab does not model) is answered 422 with every problem and its line.
import HTTPCore
import JSONCore
import Packetdrill
import TCPSim
import TraceFormats

enum PacketdrillRuns {
    static let mediaType = "text/x-packetdrill"

    static func isScript(_ contentType: String) -> Bool {
        contentType.split(separator: ";").first.map { $0.trimmingOWS().lowercased() == mediaType } ?? false
    }

    /// The store keeps a script where a scenario goes, as {"packetdrill": "<script>"}.
    static func storedForm(_ script: String) -> String { JSON.object([("packetdrill", .string(script))]).serialized() }

    static func script(storedAs text: String) -> String? {
        guard text.hasPrefix("{\"packetdrill\""), let json = try? JSON.parse(text) else { return nil }
        return json["packetdrill"]?.stringValue
    }

    static func config(_ limits: RunLimits, snapshotsAt: [Instant] = []) -> PDConfig {
        var config = PDConfig()
        config.limits = limits.simulation
        config.snapshotsAt = snapshotsAt
        let start = SystemClock.monotonic(), wall = limits.wallSeconds
        config.shouldStop = { SystemClock.monotonic() - start > wall ? "stopped after \(wall) s of wall time (the server's bound)" : nil }
        return config
    }

    /// The verdict as the run's summary carries it.
    static func verdictJSON(_ v: PDVerdict) -> JSON {
        var m: [(String, JSON)] = [("verdict", .string(v.outcome.rawValue))]
        if let line = v.line { m.append(("line", .int(Int64(line)))) }
        if let message = v.message { m.append(("message", .string(message))) }
        if !v.detail.isEmpty { m.append(("detail", .array(v.detail.map(JSON.string)))) }
        return .object(m)
    }

    /// A stored script run again (its views the stored trace does not hold: text, pcap, sockets).
    static func rerun(_ script: String, limits: RunLimits, snapshotsAt: [Instant]) throws -> Trace {
        let result = Packetdrill.run(script, config: config(limits, snapshotsAt: snapshotsAt))
        guard let trace = result.trace, trace.truncated == nil else {
            throw HTTPProblem(.serviceUnavailable, detail: "re-running the script went over the server's bounds; try again", headers: ["Retry-After": "5"])
        }
        return trace
    }
}

extension API {
    func createPacketdrillRun(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let script = String(validating: request.body, as: UTF8.self) else {
            throw HTTPProblem(.badRequest, detail: "the script is not UTF-8 text")
        }
        let result: CachedResult
        do {
            result = try self.result(for: "packetdrill\n" + script) {
                let run = Packetdrill.run(script, config: PacketdrillRuns.config(configuration.runLimits))
                let v = run.verdict
                if v.outcome == .invalid || v.outcome == .unsupported {
                    let what = v.outcome == .invalid ? "the script has a syntax error" : "the script uses what tcplab does not model"
                    throw Refusal(response: .problem(HTTPStatus(code: 422), detail: "\(what): line \(v.line ?? 0): \(v.message ?? "")", extensions: [
                        ("verdict", .string(v.outcome.rawValue)),
                        ("errors", .array(v.problems.map {
                            .object([("path", .string("line \($0.line)")), ("line", .int(Int64($0.line))),
                                     ("kind", .string($0.kind.rawValue)), ("message", .string($0.message))])
                        })),
                    ]))
                }
                guard let trace = run.trace else { throw HTTPProblem(.internalServerError, detail: "the script produced no trace") }
                if let reason = trace.truncated {
                    throw Refusal(response: Self.refusal(.overBounds("the run exceeded the server's bounds: \(reason). Run it with the command line (tcplab packetdrill).")))
                }
                guard case var .object(summary) = TraceJSON.summary(trace) else { throw HTTPProblem(.internalServerError, detail: "no summary") }
                summary.append(("packetdrill", PacketdrillRuns.verdictJSON(v)))
                return (trace, .object(summary))
            }
        } catch let refusal as Refusal {
            return refusal.response
        }
        return try store(bytes: result.bytes, summaryJSON: result.summaryJSON, catalogueId: nil, name: "packetdrill", seed: 1,
                         scenarioJSON: PacketdrillRuns.storedForm(script))
    }
}
