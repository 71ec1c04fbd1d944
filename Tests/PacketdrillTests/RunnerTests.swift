import Foundation
import Testing
@testable import Packetdrill
import TCPSim

/// The scripts in scripts/ are the project's own, one per behaviour the catalogue teaches; each was
/// written from the kernel reference (../shared/reference/linux-tcp.md) and the kernel functions its
/// header names, and must pass.
enum Scripts {
    static let dir: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        return parts.joined(separator: "/") + "/scripts"
    }()
    /// Every script in the folder (a new one is tested without being listed anywhere).
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        .filter { $0.hasSuffix(".pkt") }.map { String($0.dropLast(4)) }.sorted()
    static func text(_ name: String) -> String {
        (try? String(contentsOfFile: "\(dir)/\(name).pkt", encoding: .utf8)) ?? ""
    }
}

@Suite struct RunnerTests {
    @Test(arguments: Scripts.names)
    func projectScriptPasses(_ name: String) {
        let text = Scripts.text(name)
        #expect(!text.isEmpty, "scripts/\(name).pkt")
        let r = Packetdrill.run(text)
        #expect(r.verdict.outcome == .pass, "\(name): line \(r.verdict.line ?? 0): \(r.verdict.message ?? "") \(r.verdict.detail)")
        #expect(r.trace != nil)
    }

    /// Replaces one line of a script and returns the verdict.
    func verdict(_ name: String, line: Int, _ replacement: String) -> PDVerdict {
        var lines = Scripts.text(name).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[line - 1] = replacement
        return Packetdrill.run(lines.joined(separator: "\n")).verdict
    }

    /// The script `name` with the line holding `needle` replaced by `replacement` fails at that line
    /// with `message`.
    func expectMismatch(_ name: String, _ needle: String, _ replacement: String, _ message: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let n = lineOf(name, needle)
        let v = verdict(name, line: n, replacement)
        #expect(v.outcome == .fail && v.line == n, sourceLocation: sourceLocation)
        #expect(v.message == message, sourceLocation: sourceLocation)
    }

    func lineOf(_ name: String, _ needle: String) -> Int {
        let lines = Scripts.text(name).split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    @Test func wrongFlagsFail() {
        let n = lineOf("close-unread-data-rst", "> R. 1:1(0) ack 101")
        let v = verdict("close-unread-data-rst", line: n, "+0    > F. 1:1(0) ack 101")
        #expect(v.outcome == .fail && v.line == n)
        #expect(v.message == "live packet field tcp_fin: expected: 1 (0x1) vs actual: 0 (0x0)")
        #expect(v.detail.last?.hasPrefix("actual packet: 0.030000 R. 1:1(0) ack 101") == true)
    }

    @Test func wrongAckFails() {
        let n = lineOf("handshake-passive", "> . 1:1(0) ack 101")
        let v = verdict("handshake-passive", line: n, "+0    > . 1:1(0) ack 100 <nop,nop,TS val 160 ecr 160>")
        #expect(v.outcome == .fail && v.line == n)
        #expect(v.message == "live packet field tcp_ack_seq: expected: 100 (0x64) vs actual: 101 (0x65)")
    }

    @Test func wrongOptionsFail() {
        let n = lineOf("handshake-passive", "> S. 0:0(0) ack 1")
        #expect(verdict("handshake-passive", line: n, "+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 6>").message
                == "bad value outbound TCP option 3")
        #expect(verdict("handshake-passive", line: n, "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,TS val 100 ecr 100,nop,wscale 7>").message
                == "bad outbound TCP options")
    }

    @Test func earlyOrLateSegmentIsATimingError() {
        expectMismatch("close-passive-last-ack", "+.04  > . 1:1(0) ack 12", "+0    > . 1:1(0) ack 12",
                       "timing error: expected outbound packet at 0.030000 sec but happened at 0.070000 sec; tolerance 0.004000 sec")
    }

    @Test func missingSegmentIsReported() {
        // After the last SYN-ACK retransmission the script expects one more at 8 s; the next comes at 15 s.
        expectMismatch("syn-queue-synack-retransmit", "+1    < S 0:0(0)", "8     > S. 0:0(0) ack 1 <...>",
                       "timing error: expected outbound packet at 8.000000 sec but happened at 15.000000 sec; tolerance 0.004000 sec")
    }

    @Test func wrongResultAndErrnoFail() {
        let n = lineOf("challenge-ack", "write(4, ..., 10)")
        #expect(verdict("challenge-ack", line: n, "+0 write(4, ..., 10) = -1 EPIPE (Broken pipe)").message
                == "write(): expected errno EPIPE but got ECONNRESET")
        let m = lineOf("handshake-passive", "read(4, ..., 1000) = 100")
        #expect(verdict("handshake-passive", line: m, "+0 read(4, ..., 1000) = 99").message == "read(): expected result 99 but got 100")
    }

    /// A call that blocks without `...` holds the script up (the third ACK never comes), and the
    /// runner gives up after its bound with a hint.
    @Test func blockingCallWithoutEllipsisFails() {
        expectMismatch("handshake-passive", "accept(3, ..., ...) = 4", "+0 accept(3, ..., ...) = 4",
                       "accept() was still blocked at 600.104000 sec (the script expects it to return at 0.100000 sec; a call that waits for later events of the script is written with `...`)")
    }

    /// A blocking call's return is checked against the time after `...`.
    @Test func blockingCallReturnTimeIsChecked() {
        expectMismatch("handshake-active", "connect(3, ..., ...) = 0", "+0...0.300 connect(3, ..., ...) = 0",
                       "timing error: expected system call return at 0.300000 sec but happened at 0.100000 sec; tolerance 0.004000 sec")
    }

    @Test func unsupportedAndInvalidScriptsDoNotRun() {
        let u = Packetdrill.run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 poll([{fd=3, events=POLLOUT, revents=0}], 1, 0) = 0\n")
        #expect(u.verdict.outcome == .unsupported && u.verdict.line == 2 && u.trace == nil)
        #expect(u.verdict.message == "system call poll() is not modelled")
        let i = Packetdrill.run("+1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
        #expect(i.verdict.outcome == .invalid && i.verdict.message == "first event should be at time 0")
        let c = Packetdrill.run("`rm -rf /`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
        #expect(c.verdict.outcome == .unsupported && c.verdict.line == 1)
    }

    /// Socket options are known at their own level only; SO_LINGER cannot be read, SO_ERROR only read.
    @Test func socketOptionsAtTheirLevels() {
        func problem(_ call: String) -> String? {
            let r = Packetdrill.run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 \(call)\n")
            return r.verdict.outcome == .unsupported ? r.verdict.message : nil
        }
        #expect(problem("setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0") == nil)
        #expect(problem("setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0") == nil)
        #expect(problem("setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [1000], 4) = 0") == nil)
        #expect(problem("getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0") == nil)
        #expect(problem("getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [...], [4]) = 0") == nil)
        #expect(problem("setsockopt(3, SOL_SOCKET, TCP_NODELAY, [1], 4) = 0") == "setsockopt(SOL_SOCKET, TCP_NODELAY) is not modelled")
        #expect(problem("setsockopt(3, IPPROTO_TCP, SO_KEEPALIVE, [1], 4) = 0") == "setsockopt(IPPROTO_TCP, SO_KEEPALIVE) is not modelled")
        #expect(problem("setsockopt(3, SOL_SOCKET, SO_ERROR, [1], 4) = 0") == "setsockopt(SOL_SOCKET, SO_ERROR) is not modelled")
        #expect(problem("getsockopt(3, SOL_SOCKET, SO_LINGER, [...], [8]) = 0") == "getsockopt(SOL_SOCKET, SO_LINGER) is not modelled")
        #expect(problem("getsockopt(3, IPPROTO_TCP, SO_ERROR, [0], [4]) = 0") == "getsockopt(IPPROTO_TCP, SO_ERROR) is not modelled")
    }

    /// Sysctl lines reach the host: tcp_rmem's max sets the window scale the SYN-ACK offers
    /// (ilog2(15 MB) − 15 = 8 with ./defaults.sh; 7 with Linux's default 6 MB).
    @Test func sysctlsReachTheHost() {
        let script = """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        +0 < S 0:0(0) win 1000 <mss 1460,nop,wscale 7>
        +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale WS>
        """
        #expect(Packetdrill.run(script.replacingWS("7")).verdict.outcome == .pass)
        #expect(Packetdrill.run("`./defaults.sh`\n" + script.replacingWS("8")).verdict.outcome == .pass)
        #expect(Packetdrill.run("`sysctl -q net.ipv4.tcp_rmem=\"4096 131072 33554432\"`\n" + script.replacingWS("10")).verdict.outcome == .pass)
        let off = Packetdrill.run("`sysctl -q net.ipv4.tcp_window_scaling=0`\n" + script.replacingWS("7"))
        #expect(off.verdict.message == "live packet field tcp_data_offset: expected: 7 (0x7) vs actual: 6 (0x6)")
    }

    /// paws-replay-window.pkt, beyond what a script checks (packetdrill ignores outbound TS ecr):
    /// data one tick older than ts_recent is accepted without lowering it, so the ACKs echo 200
    /// until the window update with TSval 300 (tcp_replace_ts_recent() with no replay window); and
    /// the three rejected or ignored segments are in the trace as PAWS drops.
    @Test func pawsReplayWindowKeepsTsRecent() {
        let t = Packetdrill.run(Scripts.text("paws-replay-window")).trace
        let acks = (t?.events ?? []).compactMap { e -> String? in
            if case let .segment(s) = e.kind, s.from == "local", s.segment.payload.isEmpty, s.segment.flags == [.ack] {
                return "\(e.t) ecr \(s.segment.options.tsEcr)"
            }
            return nil
        }
        #expect(acks == ["0.200000 ecr 200", "0.300000 ecr 200", "2.200000 ecr 300"])
        let drops = (t?.events ?? []).compactMap { e -> String? in
            if case let .drop(_, _, _, reason) = e.kind { return "\(e.t) \(reason.rawValue)" }
            return nil
        }
        #expect(drops == ["0.300000 TCP_RFC7323_PAWS", "1.000000 TCP_RFC7323_PAWS_ACK", "2.200000 TCP_RFC7323_PAWS"])
    }

    /// The overflow the script cannot see (the other client's SYN-ACKs are on another 4-tuple) is in
    /// the trace: the connection under test's SYNs are dropped as TCP_REQQFULLDROP while the other
    /// request retransmits its SYN-ACK at 1, 3, 7, 15 and 31 s.
    @Test func listenOverflowIsInTheTrace() {
        let t = Packetdrill.run(Scripts.text("listen-overflow-drop")).trace
        let drops = (t?.events ?? []).compactMap { e -> String? in
            if case let .drop(_, _, _, reason) = e.kind { return "\(e.t) \(reason.rawValue)" }
            return nil
        }
        #expect(drops == ["0.100000 TCP_REQQFULLDROP", "1.100000 TCP_REQQFULLDROP", "3.100000 TCP_REQQFULLDROP"])
        let synacks = (t?.events ?? []).compactMap { e -> String? in
            if case let .segment(s) = e.kind, s.from == "local" { return "\(e.t) \(s.segment.dst.port)" }
            return nil
        }
        #expect(synacks == ["0.000000 40001", "1.000000 40001", "3.000000 40001", "7.000000 40001", "15.000000 40001",
                            "31.000000 40001", "64.000000 40000"])
    }

    /// Inline Python is unsupported unless skipped on request (and then counted); a last command is
    /// packetdrill's cleanup and is not run; set_sysctls.py and shell arithmetic reach the host.
    @Test func pythonCleanupAndSetSysctls() {
        let script = """
        `../common/set_sysctls.py /proc/sys/net/ipv4/tcp_rmem="4096 131072 $((16*1024*1024))"`
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        +0 < S 0:0(0) win 1000 <mss 1460,nop,wscale 7>
        +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 9>
        +0 %{ assert tcpi_snd_cwnd == 10 }%
        `/tmp/sysctl_restore_${PPID}.sh`
        """
        let plain = Packetdrill.run(script)
        #expect(plain.verdict.outcome == .unsupported && plain.verdict.line == 7)
        var config = PDConfig()
        config.skipPython = true
        let skipped = Packetdrill.run(script, config: config)
        #expect(skipped.verdict.outcome == .pass && skipped.verdict.skippedPython == 1, "\(skipped.verdict)")
    }

    /// TIME_WAIT's 60 s pass in virtual time, and the same script gives the same trace.
    @Test func virtualTimeAndDeterminism() {
        let text = Scripts.text("close-active-time-wait")
        let a = Packetdrill.run(text), b = Packetdrill.run(text)
        #expect(a.trace?.endTime == Instant(us: 62_040_000))
        let describe: (PDResult) -> [String] = { r in
            (r.trace?.events ?? []).map { e in
                if case let .segment(s) = e.kind { return "\(e.t) \(s.segment.flags) \(s.segment.seq.raw) \(s.segment.ack.raw)" }
                return "\(e.t) \(e.typeName)"
            }
        }
        #expect(describe(a) == describe(b) && !describe(a).isEmpty)
        // The trace names both hosts and notes which script line each inbound segment came from.
        #expect(a.trace?.hosts.map(\.name) == ["local", "remote"])
        let noted = a.trace?.events.contains { $0.note?.en.hasPrefix("packetdrill line") == true } ?? false
        #expect(noted)
    }
}

extension String {
    func replacingWS(_ v: String) -> String {
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: "WS") { out += rest[..<r.lowerBound] + v; rest = rest[r.upperBound...] }
        return out + rest
    }
}
