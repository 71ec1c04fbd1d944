import JSONCore
import TCPSim
import Testing

/// Socket-call behaviours checked against the Linux 6.18 source (functions cited per test).
@Suite struct SocketCallFixTests {
    /// A client/server scenario, 20 ms each way, with the server's accepted socket "conn";
    /// `steps` are extra JSON steps.
    static func clientServer(duration: Double, _ steps: String, clientSysctls: String = "{}") throws -> Trace {
        try clientServerRun(duration: duration, clientSysctls: clientSysctls, steps)
    }

    // MARK: Keepalive arming (Linux tcp_set_keepalive(), tcp_sock_set_keepidle_locked())

    // The connection has been idle since the third ACK reached the server at 0.06 s. At 10 s
    // SO_KEEPALIVE arms now + 7200 s; TCP_KEEPIDLE=5 then re-arms for max(0, 5 - 9.94) = 0 s, so
    // the first probe (seq = snd_una - 1) leaves at 10 s and the next one keepintvl (75 s) later.
    // Before the fix the timer was set for 5.06 s and the trace went back in time.
    @Test func keepIdleShorterThanIdleTimeProbesAtOnceAndTimeNeverRunsBackwards() throws {
        let t = try Self.clientServer(duration: 100, """
          {"at": 10, "host": "server", "socket": "conn", "call": "setsockopt", "option": "SO_KEEPALIVE", "value": 1},
          {"at": 10, "host": "server", "socket": "conn", "call": "setsockopt", "option": "TCP_KEEPIDLE", "value": 5}
        """)
        let times = jsonEvents(t).compactMap { $0["t"]?.doubleValue }
        #expect(times.count == jsonEvents(t).count)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        let probes = segments(t).filter { $0.from == "server" && $0.t >= 1 }
        #expect(probes.map(\.shape) == ["server ACK 0 1 0", "server ACK 0 1 0"])
        #expect(probes.map { us($0.t) } == [10_000_000, 85_000_000])
        // The client answers each probe with a duplicate ACK.
        #expect(segments(t).filter { $0.from == "client" && $0.t >= 1 }.map { "\($0.shape)@\(fmt($0.t))" }
                == ["client ACK 1 1 0@10.02", "client ACK 1 1 0@85.02"])
    }

    // SO_KEEPALIVE alone arms a full keepalive_time from the call (tcp_set_keepalive(): now +
    // keepalive_time_when()), not from the last segment received.
    @Test func soKeepaliveOnIdleSocketArmsFullIdleTimeFromNow() throws {
        let t = try Self.clientServer(duration: 100, """
          {"at": 0.5, "host": "server", "socket": "conn", "call": "setsockopt", "option": "TCP_KEEPIDLE", "value": 20},
          {"at": 10, "host": "server", "socket": "conn", "call": "setsockopt", "option": "SO_KEEPALIVE", "value": 1}
        """)
        let probes = segments(t).filter { $0.from == "server" && $0.t >= 1 }
        #expect(probes.map { us($0.t) } == [30_000_000])
    }

    // do_tcp_setsockopt(): TCP_KEEPIDLE and TCP_KEEPINTVL take 1..32767, TCP_KEEPCNT 1..127;
    // anything else is EINVAL and changes nothing.
    @Test func keepaliveOptionsOutOfRangeFailWithEinval() throws {
        let cases: [(String, Int, String?)] = [
            ("TCP_KEEPIDLE", 0, "EINVAL"), ("TCP_KEEPIDLE", 1, nil), ("TCP_KEEPIDLE", 32767, nil), ("TCP_KEEPIDLE", 32768, "EINVAL"),
            ("TCP_KEEPINTVL", 0, "EINVAL"), ("TCP_KEEPINTVL", 32767, nil), ("TCP_KEEPINTVL", 32768, "EINVAL"),
            ("TCP_KEEPCNT", 0, "EINVAL"), ("TCP_KEEPCNT", 127, nil), ("TCP_KEEPCNT", 128, "EINVAL"),
        ]
        let steps = cases.map { #"{"at": 1, "host": "server", "socket": "conn", "call": "setsockopt", "option": "\#($0.0)", "value": \#($0.1)}"# }
        let t = try Self.clientServer(duration: 2, steps.joined(separator: ",\n"))
        let got = returns(t).filter { $0.socket == "conn" && $0.call == "setsockopt" }
        #expect(got.map(\.errno) == cases.map(\.2))
        #expect(got.map(\.result) == cases.map { $0.2 == nil ? 0 : -1 })
    }

    // MARK: After FIN, RST; shutdown() on a closed socket

    // Kernel check (kernel-capture on 6.18, same timeline): the client close()s at 0.2 s, the
    // server's write at 0.4 s reaches the orphan, which answers RST. In CLOSE_WAIT with the FIN
    // unread: read() → 0 twice (tcp_recvmsg_locked(): SOCK_DONE before sk_err), shutdown() →
    // ENOTCONN (inet_shutdown(): TCP_CLOSE), write() → EPIPE (the error kept), read() → 0.
    @Test func closeWaitAfterRstReadsEofAndKeepsEpipeForWrite() throws {
        let t = try Self.clientServer(duration: 3, """
          {"at": 0.2, "host": "client", "socket": "c", "call": "close"},
          {"at": 0.4, "host": "server", "socket": "conn", "call": "write", "data": "response"},
          {"at": 0.6, "host": "server", "socket": "conn", "call": "read"},
          {"at": 0.6, "host": "server", "socket": "conn", "call": "read"},
          {"at": 0.6, "host": "server", "socket": "conn", "call": "shutdown", "how": "SHUT_WR"},
          {"at": 0.6, "host": "server", "socket": "conn", "call": "write", "data": "more"},
          {"at": 0.6, "host": "server", "socket": "conn", "call": "read"}
        """)
        #expect(states(t, "server", "conn").suffix(2) == ["ESTABLISHED>CLOSE_WAIT@0.22", "CLOSE_WAIT>CLOSED@0.44"])
        let after = returns(t).filter { $0.socket == "conn" && $0.t >= 0.6 }
        #expect(after.map { "\($0.call) \($0.result.map(String.init) ?? "?") \($0.errno ?? "")" }
                == ["read 0 ", "read 0 ", "shutdown -1 ENOTCONN", "write -1 EPIPE", "read 0 "])
        #expect(after.allSatisfy { us($0.t) == 600_000 })
    }

    // Kernel check: a socket the app holds whose connection reached TIME_WAIT (it shut down
    // writing, then got the peer's FIN) is TCP_CLOSE to inet_shutdown(): ENOTCONN for any `how`.
    @Test func shutdownInTimeWaitFailsWithEnotconn() throws {
        let t = try Self.clientServer(duration: 3, """
          {"at": 0.2, "host": "client", "socket": "c", "call": "shutdown", "how": "SHUT_WR"},
          {"at": 0.2, "host": "client", "socket": "c", "call": "read"},
          {"at": 0.2, "host": "server", "socket": "conn", "call": "read"},
          {"at": 0.2, "host": "server", "socket": "conn", "call": "close"},
          {"at": 0.6, "host": "client", "socket": "c", "call": "shutdown", "how": "SHUT_RDWR"},
          {"at": 0.6, "host": "client", "socket": "c", "call": "shutdown", "how": "SHUT_RD"},
          {"at": 0.6, "host": "client", "socket": "c", "call": "read"}
        """)
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>TIME_WAIT@0.24")
        let after = returns(t).filter { $0.socket == "c" && $0.t >= 0.6 }
        #expect(after.map { "\($0.call) \($0.result.map(String.init) ?? "?") \($0.errno ?? "")" }
                == ["shutdown -1 ENOTCONN", "shutdown -1 ENOTCONN", "read 0 "])
    }

    // MARK: connect() again after a failed connect()

    // Kernel check (kernel-capture on 6.18, blocking connect()): after ECONNREFUSED the socket is
    // SS_UNCONNECTED and TCP_CLOSE (__inet_stream_connect() → sock_error, tcp_disconnect()), so
    // connect() again sends a new SYN: from a new ephemeral port when the first was auto-bound
    // (tcp_set_state(TCP_CLOSE) → inet_put_port()), from the same port when bind() gave one, and
    // with ISN = old ISN + 1 + max_window (0) + 2 (tcp_disconnect()'s write_seq). Once connected,
    // connect() fails with EISCONN.
    @Test func connectAfterRefusedConnectStartsNewHandshake() throws {
        let text = """
        {"duration": 3, "hosts": [{"name": "client", "ip": "10.0.0.1"}, {"name": "server", "ip": "10.0.0.2"}],
         "links": [{"between": ["client", "server"], "delay": "20ms"}],
         "steps": [
          {"at": 0, "host": "client", "socket": "u", "call": "socket"},
          {"at": 0, "host": "client", "socket": "u", "call": "connect", "to": "server:8888"},
          {"at": 0.5, "host": "server", "socket": "ls", "call": "socket"},
          {"at": 0.5, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
          {"at": 0.5, "host": "server", "socket": "ls", "call": "listen"},
          {"at": 1, "host": "client", "socket": "u", "call": "connect", "to": "server:8888"},
          {"at": 1, "host": "client", "socket": "u", "call": "connect", "to": "server:8888"},
          {"at": 1.5, "host": "client", "socket": "v", "call": "socket"},
          {"at": 1.5, "host": "client", "socket": "v", "call": "bind", "port": 42000},
          {"at": 1.5, "host": "client", "socket": "v", "call": "connect", "to": "server:9999"},
          {"at": 1.5, "host": "client", "socket": "v", "call": "connect", "to": "server:8888"}]}
        """
        let t = Simulation(scenario: try ScenarioParser.parse(text)).run()
        let calls = returns(t).filter { $0.call == "connect" }.map { "\($0.socket) \(fmt($0.t)) \($0.result.map(String.init) ?? "?") \($0.errno ?? "")" }
        #expect(calls == ["u 0.04 -1 ECONNREFUSED", "u 1.04 0 ", "u 1.04 -1 EISCONN",
                          "v 1.54 -1 ECONNREFUSED", "v 1.58 0 "])
        let syns = jsonEvents(t).filter { $0["type"]?.stringValue == "segment" && $0["flags"]?.arrayValue == [.string("SYN")] }
        let src = syns.map { $0["src"]!.stringValue! }
        let raw = syns.map { $0["rawSeq"]!.intValue! }
        #expect(syns.map { fmt($0["t"]!.doubleValue!) } == ["0", "1", "1.5", "1.54"])
        try #require(syns.count == 4)
        #expect(src[0] != src[1] && src[1].hasPrefix("10.0.0.1:"))
        #expect(src[2] == "10.0.0.1:42000" && src[3] == "10.0.0.1:42000")
        #expect(raw[1] == (raw[0] + 3) & 0xFFFF_FFFF)
        #expect(raw[3] == (raw[2] + 3) & 0xFFFF_FFFF)
        #expect(states(t, "client", "u").last == "SYN_SENT>ESTABLISHED@1.04")
    }
}

/// O_NONBLOCK (fcntl F_SETFL): sock_rcvtimeo()/sock_sndtimeo() give 0, so calls that would wait
/// return at once; a connect() goes on in the kernel (__inet_stream_connect(), SS_CONNECTING).
@Suite struct NonBlockingTests {
    static func run(_ steps: String, serverListens: Bool = true) throws -> Trace {
        try clientServerRun(duration: 1, serverSteps: serverListens ? """
          {"at": 0, "host": "server", "socket": "ls", "call": "socket"},
          {"at": 0, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
          {"at": 0, "host": "server", "socket": "ls", "call": "listen"},
          {"at": 0, "host": "server", "socket": "ls", "call": "fcntl", "nonblocking": true},
          {"at": 0, "host": "server", "socket": "ls", "call": "accept", "as": "early"},
          {"at": 0.1, "host": "server", "socket": "ls", "call": "accept", "as": "conn"}
        """ : "", clientSteps: """
          {"at": 0, "host": "client", "socket": "c", "call": "socket"},
          {"at": 0, "host": "client", "socket": "c", "call": "fcntl", "nonblocking": true},
          {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"}
        """, steps)
    }

    @Test func connectReturnsEinprogressThenEalreadyThenItsOutcome() throws {
        let t = try Self.run("""
          {"at": 0.01, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"},
          {"at": 0.01, "host": "client", "socket": "c", "call": "read", "max": 10},
          {"at": 0.1, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"},
          {"at": 0.2, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"}
        """)
        let c = returns(t).filter { $0.socket == "c" && $0.call != "socket" && $0.call != "fcntl" }
        #expect(c.map { "\($0.call)@\(fmt($0.t)) \($0.result ?? 99) \($0.errno ?? "")" } == [
            "connect@0 -1 EINPROGRESS", "connect@0.01 -1 EALREADY", "read@0.01 -1 EAGAIN",
            // the handshake finished at 0.04: the next connect() says 0, the one after EISCONN
            "connect@0.1 0 ", "connect@0.2 -1 EISCONN",
        ])
        // accept() on the non-blocking listener: EAGAIN before the handshake, the connection after.
        #expect(ret(t, "server", "ls", "accept")?.errno == "EAGAIN")
        #expect(ret(t, "server", "ls", "accept", nth: 1)?.result == 4)
    }

    @Test func refusedConnectReportsEconnrefusedOnTheNextConnect() throws {
        let t = try Self.run("""
          {"at": 0.1, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"}
        """, serverListens: false)
        #expect(ret(t, "client", "c", "connect")?.errno == "EINPROGRESS")
        #expect(ret(t, "client", "c", "connect", nth: 1)?.errno == "ECONNREFUSED")
    }

    /// getsockopt(SO_ERROR) reads the pending error as its Linux number and clears it; other options
    /// read back what the socket holds, or Linux's default.
    @Test func getsockoptReadsAndClearsSoError() throws {
        let t = try Self.run("""
          {"at": 0.1, "host": "client", "socket": "c", "call": "getsockopt", "option": "SO_ERROR"},
          {"at": 0.1, "host": "client", "socket": "c", "call": "getsockopt", "option": "SO_ERROR"},
          {"at": 0.1, "host": "client", "socket": "c", "call": "getsockopt", "option": "TCP_KEEPINTVL"}
        """, serverListens: false)
        let values = jsonEvents(t).filter { $0["call"]?.stringValue == "getsockopt" && $0["phase"]?.stringValue == "return" }
            .map { $0["value"]?.intValue ?? -1 }
        #expect(values == [111, 0, 75])
        #expect(throws: ScenarioErrors.self) {
            _ = try ScenarioParser.parse("""
            {"duration": 1, "hosts": [{"name": "a", "ip": "10.0.0.1"}],
             "steps": [{"at": 0, "host": "a", "socket": "s", "call": "socket"},
                       {"at": 0, "host": "a", "socket": "s", "call": "getsockopt", "option": "SO_LINGER"}]}
            """)
        }
    }

    @Test func fcntlNeedsNonblocking() {
        #expect(throws: ScenarioErrors.self) {
            _ = try ScenarioParser.parse("""
            {"duration": 1, "hosts": [{"name": "a", "ip": "10.0.0.1"}],
             "steps": [{"at": 0, "host": "a", "socket": "s", "call": "socket"}, {"at": 0, "host": "a", "socket": "s", "call": "fcntl"}]}
            """)
        }
    }
}
