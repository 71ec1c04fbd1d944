import Testing
@testable import Packetdrill
import TCPSim

/// A script is untrusted input (POST /api/runs takes one): whatever it says, the runner answers with
/// a verdict and never traps. A trap would take the test process (and the server) down.
@Suite struct HostileInputTests {
    @Test func hostileFormsGetAVerdict() {
        let cases: [(String, PDVerdict.Outcome)] = [
            ("0 f(" + String(repeating: "[", count: 5000) + ") = 0\n", .invalid),                 // nesting
            ("99999999999999999999 close(3) = 0\n", .invalid),                                     // a time past any bound
            ("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 read(3, ..., -5) = 0\n", .unsupported),  // negative count
            ("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 write(3, ..., 99999999999999) = 0\n", .unsupported),
            ("`sysctl -q net.ipv4.tcp_rmem=\"1 2 $((9999999999*9999999999))\"`\n0 close(3) = 0\n", .invalid),
            ("--tolerance_usecs=9223372036854775807\n0 close(3) = 0\n", .invalid),
            ("--tolerance_percent=1e300\n0 close(3) = 0\n", .invalid),
            ("0 < S 0:0(0) win 65535 <mss 99999>\n", .invalid),
            ("0 < S 4294967295:0(1) win 1\n", .pass),   // seq wraps: 0xffffffff + 1 = 0, a 1-byte SYN
            ("0 < . 1:4000000001(4000000000) ack 1 win 1\n", .invalid),   // no 4 GB payloads
        ]
        for (text, outcome) in cases {
            let r = Packetdrill.run(text)
            #expect(r.verdict.outcome == outcome, "\(text.prefix(60)): \(r.verdict)")
        }
    }

    /// Seeded random edits of every project script: each still gets a verdict.
    @Test(arguments: Scripts.names)
    func mutatedScriptsNeverTrap(_ name: String) {
        let original = Array(Scripts.text(name).unicodeScalars)
        var rng = SeededGenerator(seed: 7, stream: name)
        let alphabet = Array("0123456789+-.~*<>()[]{},:=|`%SFRP .ackwinmsTS\n".unicodeScalars)
        var config = PDConfig()
        config.limits = SimulationLimits(maxEvents: 200_000, maxTraceEvents: 50_000)
        config.waitUs = 10_000_000
        var outcomes: [PDVerdict.Outcome: Int] = [:]
        for _ in 0..<150 {
            var text = original
            for _ in 0..<Int(rng.next() % 4 + 1) where !text.isEmpty {
                let i = Int(rng.next() % UInt64(text.count))
                let c = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                switch rng.next() % 3 {
                case 0: text.remove(at: i)
                case 1: text.insert(c, at: i)
                default: text[i] = c
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: text)
            outcomes[Packetdrill.run(String(s), config: config).verdict.outcome, default: 0] += 1
        }
        #expect(outcomes.values.reduce(0, +) == 150)
    }
}
