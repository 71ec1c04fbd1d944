import JSONCore
import TCPSim
import Testing

/// Differences from Linux 6.18 found in review, each checked against the kernel source (functions
/// cited per test).
@Suite struct LinuxFidelityFixTests {
    /// SocketCallFixTests.clientServer with a top-level "rules" array.
    static func run(duration: Double, rules: String = "", _ steps: String, clientSysctls: String = "{}") throws -> Trace {
        let text = """
        {"duration": \(duration), "hosts": [{"name": "client", "ip": "10.0.0.1", "sysctls": \(clientSysctls)}, {"name": "server", "ip": "10.0.0.2"}],
         "links": [{"between": ["client", "server"], "delay": "20ms"}],
         \(rules.isEmpty ? "" : "\"rules\": [\(rules)],")
         "steps": [
          {"at": 0, "host": "server", "socket": "ls", "call": "socket"},
          {"at": 0, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
          {"at": 0, "host": "server", "socket": "ls", "call": "listen"},
          {"at": 0, "host": "server", "socket": "ls", "call": "accept", "as": "conn"},
          {"at": 0, "host": "client", "socket": "c", "call": "socket"},
          {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"}\(steps.isEmpty ? "" : ",\n" + steps)]}
        """
        return Simulation(scenario: try ScenarioParser.parse(text)).run()
    }

    // MARK: 1. snd_nxt after a retransmission timeout (tcp_enter_loss(), tcp_acceptable_seq())

    // Every data segment of the client is lost. At 0.5 s it sends 4000 bytes (seq 1..4001); the
    // timeout resends from snd_una, but Linux's snd_nxt stays at 4001 (tcp_enter_loss() only sets
    // high_seq and retransmits the queue's head). The bare ACK for the server's data and the RST
    // of close() with unread data both carry seq = tcp_acceptable_seq() = snd_nxt = 4001, not 1.
    @Test func ackAndResetAfterTimeoutCarryHighestSentSeq() throws {
        let t = try Self.run(duration: 3, rules: #"{"from": "client", "data": true, "action": "drop"}"#, """
          {"at": 0.5, "host": "client", "socket": "c", "call": "write", "bytes": 4000},
          {"at": 1.5, "host": "server", "socket": "conn", "call": "write", "data": "hello"},
          {"at": 2.0, "host": "client", "socket": "c", "call": "close"}
        """)
        let client = segments(t).filter { $0.from == "client" && $0.t >= 0.5 }
        let rto = try #require(jsonEvents(t).first { $0["timer"]?.stringValue == "retransmit" && $0["action"]?.stringValue == "fire" })
        #expect((rto["t"]?.doubleValue ?? 9) < 1.5)
        let bare = client.filter { $0.len == 0 }
        #expect(bare.map { "\($0.shape)@\(fmt($0.t))" } == ["client ACK 4001 6 0@1.52", "client RST|ACK 4001 6 0@2", "client RST 1 - 0@2.04"])
        // The server never received byte 1, so seq 4001 is in its window but not rcv_nxt: a challenge
        // ACK (RFC 5961 §3.2), which the closed client answers with RST seq = its ack, killing the server.
        #expect(segments(t).filter { $0.from == "server" && $0.t >= 2 }.map { "\($0.shape)@\(fmt($0.t))" } == ["server ACK 6 1 0@2.02"])
        #expect(states(t, "server", "conn").last == "ESTABLISHED>CLOSED@2.06")
    }

    // MARK: 2. An orphaned FIN_WAIT_2 is a timewait mini-socket (tcp_time_wait(sk, TCP_FIN_WAIT2, tmo))

    /// The client close()s at 0.5 s; the server acknowledges the FIN (0.54 s: client FIN_WAIT_2, an
    /// orphan) but does not close. At 1 s a forged segment from the server's side arrives.
    static func orphanFinWait2(inject: String, clientSysctls: String = "{}") throws -> Trace {
        let text = """
        {"duration": 3, "hosts": [{"name": "client", "ip": "10.0.0.1", "sysctls": \(clientSysctls)}, {"name": "server", "ip": "10.0.0.2"}],
         "links": [{"between": ["client", "server"], "delay": "20ms"}],
         "faults": [{"at": 1, "fault": "inject", "like": "server>client", \(inject)}],
         "steps": [
          {"at": 0, "host": "server", "socket": "ls", "call": "socket"},
          {"at": 0, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
          {"at": 0, "host": "server", "socket": "ls", "call": "listen"},
          {"at": 0, "host": "server", "socket": "ls", "call": "accept", "as": "conn"},
          {"at": 0, "host": "client", "socket": "c", "call": "socket"},
          {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"},
          {"at": 0.5, "host": "client", "socket": "c", "call": "close"}]}
        """
        return Simulation(scenario: try ScenarioParser.parse(text)).run()
    }

    static func after1s(_ t: Trace) -> [String] {
        segments(t).filter { $0.t >= 1 }.map { "\($0.from) \($0.flags) \($0.seq) \($0.ack.map(String.init) ?? "-") \($0.len)@\(fmt($0.t))" }
    }

    // tcp_timewait_state_process(), TCP_FIN_WAIT2: an in-window RST goes to `kill` (no RFC 5961
    // challenge ACK, unlike a full socket): the orphan is gone, nothing is sent.
    @Test func orphanFinWait2InWindowRstKillsWithoutChallengeAck() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["RST"], "seq": "server>client.next+100""#)
        #expect(Self.after1s(t) == ["server RST 101 - 0@1"])
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>CLOSED@1")
    }

    // Out of window (tcp_in_window() fails), even an RST is answered with the mini-socket's ACK
    // (tcp_timewait_check_oow_rate_limit() → TCP_TW_ACK): seq = snd_nxt 2, ack = rcv_nxt 1.
    @Test func orphanFinWait2OutOfWindowRstDrawsAck() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["RST"], "seq": "server>client.next+200000""#)
        #expect(Self.after1s(t) == ["server RST 200001 - 0@1", "client ACK 2 1 0@1"])
        #expect(states(t, "client", "c").last == "FIN_WAIT_1>FIN_WAIT_2@0.544")
    }

    // A SYN with seq ≥ rcv_nxt → TCP_TW_RST: tcp_v4_send_reset() (no ACK on the SYN, so RST|ACK
    // with seq 0, ack = SYN + 1) and inet_twsk_deschedule_put().
    @Test func orphanFinWait2SynIsAnsweredWithRstAndKills() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["SYN"], "seq": "server>client.next+5""#)
        let ev = jsonEvents(t).filter { $0["type"]?.stringValue == "segment" && ($0["t"]?.doubleValue ?? 0) >= 1 }
        #expect(ev.count == 2)
        let syn = try #require(ev.first), rst = try #require(ev.last)
        #expect(rst["from"]?.stringValue == "client")
        #expect(rst["flags"]?.arrayValue?.compactMap(\.stringValue) == ["RST", "ACK"])
        #expect(rst["rawSeq"]?.intValue == 0)
        #expect(rst["rawAck"]?.intValue == (syn["rawSeq"]?.intValue).map { $0 + 1 })
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>CLOSED@1")
    }

    // A FIN not at rcv_nxt (here 10 bytes beyond: an out-of-order bare FIN) → TCP_TW_RST: RST with
    // seq = the FIN's ack, and the mini-socket is gone.
    @Test func orphanFinWait2OutOfOrderFinResets() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["FIN", "ACK"], "seq": "server>client.next+10", "ack": "server>client.ack""#)
        #expect(Self.after1s(t) == ["server FIN|ACK 11 2 0@1", "client RST 2 - 0@1"])
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>CLOSED@1")
    }

    // With tcp_fin_timeout = 120 (tcp_fin_time() > TCP_TIMEWAIT_LEN) the orphan stays a full socket;
    // tcp_rcv_state_process()'s abort-on-data test is end_seq != seq, so an out-of-order bare FIN
    // after close() (RCV_SHUTDOWN) resets too, instead of being queued and dup-ACKed.
    @Test func fullSocketAfterCloseResetsOnOutOfOrderBareFin() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["FIN", "ACK"], "seq": "server>client.next+10", "ack": "server>client.ack""#,
                                        clientSysctls: #"{"tcp_fin_timeout": 120}"#)
        #expect(Self.after1s(t) == ["server FIN|ACK 11 2 0@1", "client RST 2 - 0@1"])
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>CLOSED@1")
    }

    // The FIN at rcv_nxt moves the mini-socket to TIME_WAIT and is acknowledged (TCP_TW_ACK).
    @Test func orphanFinWait2FinEntersTimeWait() throws {
        let t = try Self.orphanFinWait2(inject: #""flags": ["FIN", "ACK"], "seq": "server>client.next", "ack": "server>client.ack""#)
        #expect(Self.after1s(t).prefix(2) == ["server FIN|ACK 1 2 0@1", "client ACK 2 2 0@1"])
        #expect(states(t, "client", "c").last == "FIN_WAIT_2>TIME_WAIT@1")
    }
}
