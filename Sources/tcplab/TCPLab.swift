import ArgumentParser
import JSONCore
import TCPSim
import TraceFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct TCPLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcplab",
        abstract: "Run TCP claims on a simulated Linux stack and watch them happen.",
        subcommands: [Run.self, Scenarios.self, Serve.self, PacketdrillRun.self]
    )
}

/// A scenario named on the command line: a catalogue id or a JSON file.
enum ScenarioSource {
    static func load(_ arg: String, params: [String]) throws -> (Scenario, CatalogueEntry?) {
        var given: [String: String] = [:]
        for p in params {
            guard let eq = p.firstIndex(of: "=") else { throw UsageError("--param expects name=value, got \"\(p)\"") }
            given[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        if let entry = Catalogue.entry(arg) {
            return (try entry.scenario(params: given), entry)
        }
        guard let text = readFile(arg) else {
            if arg.hasSuffix(".json") || arg.contains("/") { throw UsageError("cannot read \(arg)") }
            throw Catalogue.unknown(arg)
        }
        if !given.isEmpty { throw UsageError("--param applies to catalogue scenarios; edit the JSON file instead") }
        return (try ScenarioParser.parse(text), nil)
    }

    static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
            if bytes.count > 16 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func writeStdout(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { p in
        var off = 0
        while off < p.count {
            let n = write(1, p.baseAddress! + off, p.count - off)
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            off += n
        }
    }
}

func writeStderr(_ s: String) {
    let b = Array(s.utf8)
    b.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, p.count) }
}

extension TCPLab {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a catalogue scenario or a scenario JSON file and print its trace.",
            discussion: "Examples:\n  tcplab run four-way-close\n  tcplab run handshake-queues --param clients=12 --param backlog=2 --set server.tcp_abort_on_overflow=1\n  tcplab run my-scenario.json --format json"
        )

        @Argument(help: "A catalogue id (see `tcplab scenarios`) or a path to a scenario JSON file.")
        var scenario: String

        @Option(help: "text: a ladder diagram; json: the trace (schemaVersion 1); summary: the trace's summary only.")
        var format: OutputFormat = .text

        @Option(name: .customLong("set"), help: "Override a host's sysctl: host.sysctl=value (repeatable).")
        var sets: [String] = []

        @Option(name: .customLong("param"), help: "A catalogue parameter: name=value (repeatable).")
        var params: [String] = []

        @Option(help: "Seed for ISNs, ports and random network behaviour.")
        var seed: UInt64?

        @Option(name: .customLong("sockets-at"), help: "Print the socket table (like ss -tan) at this simulated time, e.g. 0.5 or 1500ms (repeatable).")
        var socketsAt: [String] = []

        @Option(help: "Language of the teaching notes in text output: en, zh or none.")
        var lang: String = "en"

        @Flag(help: "Pretty-print JSON.")
        var pretty = false

        @Flag(help: "Show timer set events and congestion-state changes in the text ladder (timer fires are always shown).")
        var timers = false

        @Option(name: .customLong("trace-level"), help: "full: every event; summary: calls, states, faults and totals only (for very large runs).")
        var traceLevel: TraceLevelArg = .full

        func run() throws {
            installMemoryAdvice()
            do {
                var (scenario, _) = try ScenarioSource.load(self.scenario, params: params)
                if !sets.isEmpty || seed != nil {
                    scenario = try scenario.overriding(sysctls: sets, seed: seed)
                }
                var instants: [Instant] = []
                for (i, s) in socketsAt.enumerated() {
                    guard let t = TimeSpan.parse(s) else { throw ScenarioErrors(errors: [ScenarioError(path: "sockets-at[\(i)]", message: "\"\(s)\" is not a time (0.5, 1500ms)")]) }
                    instants.append(Instant(us: t.us))
                }
                let sim = Simulation(scenario: scenario, snapshotsAt: instants,
                                     traceLevel: traceLevel == .full ? .full : .summary)
                sim.progress = Progress.reporter()
                let trace = sim.run()
                Progress.finish()
                switch format {
                case .json:
                    writeStdout(TraceJSON.bytes(trace, pretty: pretty))
                case .summary:
                    writeStdout(Array((TraceJSON.summary(trace).serialized(pretty: pretty) + "\n").utf8))
                case .text:
                    let language = TextLadder.Language(rawValue: lang) ?? .en
                    writeStdout(Array(TextLadder.render(trace, notes: language, timers: timers).utf8))
                    for snap in trace.snapshots { writeStdout(Array(("\n" + SocketTableText.render(snap)).utf8)) }
                }
                // Everything is written (straight to fd 1): leave without tearing down a trace of
                // perhaps millions of events one release at a time — the kernel takes the memory back at once.
                exitNow()
            } catch let e as ScenarioErrors {
                writeStderr("tcplab: invalid scenario:\n" + e.errors.map { "  " + $0.description }.joined(separator: "\n") + "\n")
                throw ExitCode(2)
            } catch let e as UsageError {
                writeStderr("tcplab: \(e.description)\n")
                throw ExitCode(2)
            }
        }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
        /// Only the trace's summary object (the run still keeps its trace at the chosen level).
        case summary
    }

    enum TraceLevelArg: String, ExpressibleByArgument, CaseIterable {
        case full, summary
    }

    struct Scenarios: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in scenarios with their parameters.")

        @Flag(help: "Print the catalogue as JSON (with each scenario's full JSON).")
        var json = false

        @Option(help: "Language of titles: en or zh.")
        var lang: String = "en"

        func run() throws {
            if json {
                let items: [JSON] = Catalogue.all.map { e in
                    let scenarioJSON = (try? e.scenario())?.json ?? .null
                    return .object([
                        ("id", .string(e.id)),
                        ("title", .object([("en", .string(e.title.en)), ("zh", .string(e.title.zh))])),
                        ("claim", .object([("en", .string(e.claim.en)), ("zh", .string(e.claim.zh))])),
                        ("params", .array(e.params.map { p in .object([("name", .string(p.name)), ("kind", .string(p.kindName)), ("default", .string(p.defaultValue))]) })),
                        ("scenario", scenarioJSON),
                    ])
                }
                writeStdout(Array((JSON.array(items).serialized(pretty: true) + "\n").utf8))
                return
            }
            var out = ""
            for e in Catalogue.all {
                out += "\(e.id)\n    \(lang == "zh" ? e.title.zh : e.title.en)\n"
                for p in e.params {
                    out += "    --param \(p.name)=\(p.defaultValue)  (\(p.kindName)) \(lang == "zh" ? p.description.zh : p.description.en)\n"
                }
                out += "\n"
            }
            writeStdout(Array(out.utf8))
        }
    }
}

/// Progress on a terminal for runs that take more than a second: simulated time reached and
/// segments so far, on stderr, only when stderr is a TTY. (The simulator never reads a clock;
/// the command line does.)
enum Progress {
    nonisolated(unsafe) static var shown = false

    static func reporter() -> ((Instant, Int) -> Void)? {
        guard isatty(2) != 0 else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        return { t, segments in
            guard clock.now - start > .seconds(1) else { return }
            shown = true
            writeStderr("\r  simulated \(t) s, \(segments) segments …")
        }
    }

    static func finish() {
        if shown { writeStderr("\r\u{1B}[K") }
    }
}

/// Ends the process at once with status 0 (no teardown of what is still allocated).
func exitNow() -> Never {
    #if canImport(Glibc)
    Glibc.exit(0)
    #else
    Darwin.exit(0)
    #endif
}
