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
}
