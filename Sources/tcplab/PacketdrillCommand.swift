import ArgumentParser
import Packetdrill
import TCPSim
import TraceFormats

extension TCPLab {
    /// `tcplab packetdrill FILE...`: one line per script; exit 1 if any failed or is invalid, 2 if
    /// none failed but some use what tcplab does not model.
    struct PacketdrillRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "packetdrill",
            abstract: "Run packetdrill scripts against the simulated Linux host (in virtual time).",
            discussion: """
            Prints one line per script: PASS, FAIL (the first mismatch, with its line), UNSUPPORTED (the first \
            construct tcplab does not model, with its line) or INVALID (a syntax error). Exit status: 0 when \
            every script passed, 1 when one failed or is invalid, 2 when none failed but some are unsupported.
            """
        )

        @Argument(help: "Script files (.pkt).")
        var files: [String]

        @Flag(name: .shortAndLong, help: "Print every problem of unsupported scripts, and the script and actual segment of a mismatch.")
        var verbose = false

        @Option(help: "Write the run of a single script as a text ladder (text) or trace JSON (json) to stdout after its line.")
        var trace: TraceOutput?

        @Option(help: "Seed for ISNs and ports.")
        var seed: UInt64 = 1

        @Flag(help: "Skip inline Python assertions (%{ … }%) instead of reporting the script as unsupported; the PASS line counts them.")
        var skipPython = false

        enum TraceOutput: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            installMemoryAdvice()
            var failed = false, unsupported = false
            for file in files {
                guard let text = ScenarioSource.readFile(file) else {
                    writeStdout(Array("ERROR \(file): cannot read\n".utf8))
                    failed = true
                    continue
                }
                var config = PDConfig()
                config.seed = seed
                config.skipPython = skipPython
                let result = Packetdrill.run(text, config: config)
                let v = result.verdict
                let at = v.line.map { ":\($0)" } ?? ""
                var out: String
                switch v.outcome {
                case .pass:
                    let t = result.trace.map { " (\(result.eventsRun) events, \(formatSeconds($0.endTime.us)) simulated" } ?? ""
                    let skipped = v.skippedPython > 0 ? ", \(v.skippedPython) Python assertions not checked" : ""
                    out = "PASS \(file)\(t)\(skipped))"
                case .fail:
                    failed = true
                    out = "FAIL \(file)\(at): \(v.message ?? "")"
                case .invalid:
                    failed = true
                    out = "INVALID \(file)\(at): \(v.message ?? "")"
                case .unsupported:
                    unsupported = true
                    out = "UNSUPPORTED \(file)\(at): \(v.message ?? "")"
                    if v.problems.count > 1 { out += " (+\(v.problems.count - 1) more)" }
                }
                if verbose {
                    for d in v.detail { out += "\n    " + d }
                    if v.problems.count > 1 { for p in v.problems { out += "\n    " + p.description } }
                }
                writeStdout(Array((out + "\n").utf8))
                if let trace, let t = result.trace, files.count == 1 {
                    switch trace {
                    case .text: writeStdout(Array(TextLadder.render(t, notes: .en, timers: false).utf8))
                    case .json: writeStdout(TraceJSON.bytes(t, pretty: false))
                    }
                }
            }
            if failed { throw ExitCode(1) }
            if unsupported { throw ExitCode(2) }
        }
    }
}
