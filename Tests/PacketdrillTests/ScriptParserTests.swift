import Testing
@testable import Packetdrill
import TCPSim

@Suite struct ScriptParserTests {
    @Test func timingForms() throws {
        let s = try ScriptParser.parse("""
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +.1 close(3) = 0
        * close(3) = 0
        +0~+.04 close(3) = 0
        0.1~0.2 close(3) = 0
        +.01...0.011 close(3) = 0
        """)
        let t = s.events.map(\.time)
        #expect(t[0] == PDTime(kind: .absolute, start: 0))
        #expect(t[1] == PDTime(kind: .relative, start: 100_000))
        #expect(t[2] == PDTime(kind: .any, start: 0))
        #expect(t[3] == PDTime(kind: .relative, start: 0, end: 40_000))
        #expect(t[4] == PDTime(kind: .absolute, start: 100_000, end: 200_000))
        #expect(t[5] == PDTime(kind: .relative, start: 10_000, blockingEnd: 11_000))
    }
}

extension ScriptParserTests {
    @Test func segments() throws {
        let s = try ScriptParser.parse("""
        0 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 7>
        +0 > S. 0:0(0) ack 1 <...>
        +0 > P. 1:1001(1000) ack 1
        +0 < F. 1001:1001(0) ack 1 win 257 <nop,nop,sack 1:2 3:4>
        +0 > R 2:2(0)
        """)
        guard case let .packet(syn) = s.events[0].kind, case let .packet(synack) = s.events[1].kind,
              case let .packet(data) = s.events[2].kind, case let .packet(fin) = s.events[3].kind,
              case let .packet(rst) = s.events[4].kind else { Issue.record("not segments"); return }
        #expect(syn.inbound && syn.flags == [.syn] && syn.seq == 0 && syn.len == 0 && syn.window == 32792 && syn.ack == nil)
        #expect(syn.options == [.mss(1000), .sackOK, .timestamp(val: 100, ecr: 0), .nop, .wscale(7)])
        #expect(!synack.inbound && synack.flags == [.syn, .ack] && synack.ack == 1 && synack.options == nil && synack.window == nil)
        #expect(data.flags == [.psh, .ack] && data.seq == 1 && data.len == 1000 && data.options == [])
        #expect(fin.flags == [.fin, .ack] && fin.options == [.nop, .nop, .sack([(1, 2), (3, 4)])])
        #expect(rst.flags == [.rst] && rst.seq == 2)
    }

    @Test func calls() throws {
        let s = try ScriptParser.parse("""
        0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0 setsockopt(4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0
        +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
        """)
        guard case let .syscall(c) = s.events[0].kind, case let .syscall(linger) = s.events[1].kind,
              case let .syscall(fcntl) = s.events[2].kind, case let .syscall(get) = s.events[3].kind else {
            Issue.record("not calls"); return
        }
        #expect(c.name == "connect" && c.args == [.int(3), .ellipsis, .ellipsis] && c.result == -1 && c.errno == "EINPROGRESS")
        #expect(linger.args[3] == .record([("l_onoff", .int(1)), ("l_linger", .int(0))]) && linger.result == 0 && linger.errno == nil)
        #expect(fcntl.args[2] == .symbol("O_RDWR|O_NONBLOCK"))
        #expect(get.args[3] == .list([.symbol("ECONNREFUSED")]))
    }

    /// Comments are stripped, an event may span lines inside brackets, and lines stay right.
    @Test func commentsAndContinuations() throws {
        let s = try ScriptParser.parse("""
        // a comment
        /* a block
           comment */ 0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3  // trailing
        +0 setsockopt(3, SOL_SOCKET,
                      SO_REUSEADDR, [1], 4) = 0
        `sysctl -q net.ipv4.tcp_timestamps=0`
        --tolerance_usecs=10000
        """)
        #expect(s.events.map(\.line) == [3, 4, 6])
        #expect(s.options.first?.name == "tolerance_usecs" && s.options.first?.value == "10000")
        guard case let .command(cmd) = s.events[2].kind else { Issue.record("not a command"); return }
        #expect(cmd == "sysctl -q net.ipv4.tcp_timestamps=0")
    }

    /// Every construct outside the model is reported with its line; syntax errors too.
    @Test func problemsByLine() {
        let problems = ScriptParser.problems(in: """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 < [ect0] S 0:0(0) win 100
        +0 < S 0:0(0) win 100 <mss 1460,FO abcd>
        +0 < S 0:10(5) win 100
        +0 < S 0:0(0)
        +0 > S. 0:0(0) ack 1 urg 3
        """)
        #expect(problems.map(\.line) == [2, 3, 4, 5, 6])
        #expect(problems.map(\.kind) == [.unsupported, .unsupported, .syntax, .syntax, .unsupported])
        #expect(problems[2].message.contains("0:10 is 10 bytes, not 5"))
        #expect(problems[3].message.contains("needs a window"))
    }

    /// Parsing the same text whole or with extra blank lines and trailing spaces gives the same events.
    @Test func whitespaceDoesNotMatter() throws {
        let a = try ScriptParser.parse("0 close(3) = 0\n+.5 > F. 1:1(0) ack 1")
        let b = try ScriptParser.parse("\n\n   0    close(3)   =   0   \n\n+.5   >   F.  1:1(0)  ack  1   \n\n")
        #expect(a.events.map(\.time) == b.events.map(\.time))
        #expect(a.events.count == 2 && b.events.count == 2)
    }
}

extension ScriptParserTests {
    /// Forms from public scripts: timed inline Python (multi-line), a multi-line command with a
    /// continuation, `-` for no flags, explicit ports, a space before `(len)`, a note after a
    /// result, and structures with `name(...)=` members.
    @Test func formsFromPublicScripts() throws {
        let s = try ScriptParser.parse("""
        `./defaults.sh
        ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_slow_start_after_idle=1 \\
            /proc/sys/net/ipv4/tcp_sack=1`
        +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +.005 %{
        assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd
        }%
        +0 < - 1:1001(1000) win 20000
        +0 < 40001>8080 S 0:0(0) win 100
        0.200 > .   1:1461 (1460) ack 1
        +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0x0 (flags none)
        +0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 0}], msg_flags=0}, 0) = 0
        """)
        #expect(s.events.map(\.line) == [1, 4, 5, 8, 9, 10, 11, 12])
        guard case let .command(cmd) = s.events[0].kind, case .code = s.events[2].kind,
              case let .packet(noFlags) = s.events[3].kind, case let .packet(ported) = s.events[4].kind,
              case let .packet(spaced) = s.events[5].kind, case let .syscall(fcntl) = s.events[6].kind,
              case let .syscall(sendmsg) = s.events[7].kind else { Issue.record("kinds"); return }
        #expect(cmd.contains("\n") && cmd.hasSuffix("tcp_sack=1"))
        #expect(s.events[2].time == PDTime(kind: .relative, start: 5_000))
        #expect(noFlags.flags == [] && noFlags.len == 1000)
        #expect(ported.ports?.src == 40001 && ported.ports?.dst == 8080 && ported.flags == [.syn])
        #expect(spaced.len == 1460 && spaced.ack == 1)
        #expect(fcntl.result == 0 && fcntl.errno == nil)
        #expect(sendmsg.name == "sendmsg" && sendmsg.args.count == 3)
    }
}
