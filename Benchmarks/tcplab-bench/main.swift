// Benchmarks for the simulator (run in release mode; see README "Benchmarks"):
//   1. a long data exchange: simulated segments per second of wall time, with the full trace;
//   2. the whole catalogue, run with default parameters: wall time.
// Wall time is measured here, outside TCPSim, which never reads a clock.

import Foundation
import JSONCore
import TCPSim
import TraceFormats

#if canImport(Glibc)
import Glibc
#endif

func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}

func measure(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let d = clock.measure(body)
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

var args = CommandLine.arguments.dropFirst()
var megabytes = 20
var repeats = 5
while let a = args.first {
    args = args.dropFirst()
    switch a {
    case "--megabytes": megabytes = Int(args.first ?? "") ?? megabytes; args = args.dropFirst()
    case "--repeats": repeats = Int(args.first ?? "") ?? repeats; args = args.dropFirst()
    default:
        print("usage: tcplab-bench [--megabytes N] [--repeats N]")
        exit(2)
    }
}

/// A client writes `megabytes` MB to a server over a 20 ms link; the server reads to EOF.
func bulkScenario(bytes: Int) -> Scenario {
    let client = HostSpec(name: "client", ip: IPv4("10.0.0.1")!), server = HostSpec(name: "server", ip: IPv4("10.0.0.2")!)
    let steps: [Step] = [
        Step(at: .zero, host: "server", socket: "ls", call: .socket),
        Step(at: .zero, host: "server", socket: "ls", call: .bind(ip: nil, port: 8888)),
        Step(at: .zero, host: "server", socket: "ls", call: .listen(backlog: 8)),
        Step(at: .zero, host: "server", socket: "ls", call: .accept(as: "conn")),
        Step(at: .zero, host: "server", socket: "conn", call: .read(max: 1 << 20, untilEOF: true)),
        Step(at: .zero, host: "client", socket: "c", call: .socket),
        Step(at: .zero, host: "client", socket: "c", call: .connect(Target(host: "server", port: 8888))),
        Step(at: .zero, host: "client", socket: "c", call: .write(.bytes(bytes))),
        Step(at: .zero, host: "client", socket: "c", call: .close),
        Step(at: .zero, host: "server", socket: "conn", call: .close),
    ]
    return Scenario(name: "bench-bulk", seed: 1, duration: .seconds(100_000), hosts: [client, server],
                    links: [LinkSpec("client", "server", delay: .ms(20))], steps: steps)
}

print("tcplab-bench: \(megabytes) MB bulk exchange over a 20 ms link (best of \(repeats)), then the whole catalogue")
let scenario = bulkScenario(bytes: megabytes * 1_000_000)
var best = Double.infinity
var segmentsCount = 0, eventsCount = 0, simulated = 0.0, jsonBytes = 0
for _ in 0..<repeats {
    var trace: Trace?
    let t = measure { trace = Simulation(scenario: scenario, limits: SimulationLimits(maxEvents: 50_000_000, maxTraceEvents: 20_000_000)).run() }
    best = min(best, t)
    let tr = trace!
    segmentsCount = tr.events.reduce(0) { if case .segment = $1.kind { return $0 + 1 }; return $0 }
    eventsCount = tr.events.count
    if let r = tr.events.last(where: { if case let .call(c) = $0.kind { return c.call == "read" && c.phase == .return }; return false }),
       case let .call(c) = r.kind {
        simulated = r.t.seconds   // when the server had read everything
        if c.result != .int(megabytes * 1_000_000) {
            print("warning: the server read \(String(describing: c.result)), not \(megabytes * 1_000_000) bytes")
        }
    }
}
var serializeTime = 0.0
do {
    let tr = Simulation(scenario: scenario, limits: SimulationLimits(maxEvents: 50_000_000, maxTraceEvents: 20_000_000)).run()
    serializeTime = measure { jsonBytes = TraceJSON.bytes(tr).count }
}
print(String(format: "bulk:      %d segments, %d trace events, %.2f s simulated (transfer), %.3f s wall → %.0f segments/s",
             segmentsCount, eventsCount, simulated, best, Double(segmentsCount) / best))
print(String(format: "trace JSON: %.1f MB written in %.3f s", Double(jsonBytes) / 1e6, serializeTime))

var catalogueBest = Double.infinity
for _ in 0..<repeats {
    let t = measure {
        for e in Catalogue.all { _ = Simulation(scenario: try! e.scenario()).run() }
    }
    catalogueBest = min(catalogueBest, t)
}
print(String(format: "catalogue: %d scenarios in %.4f s wall (best of %d)", Catalogue.all.count, catalogueBest, repeats))
print("peak RSS:  \(peakRSSKiB() / 1024) MiB")
