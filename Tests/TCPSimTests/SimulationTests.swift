import JSONCore
import TCPSim
import TraceFormats
import Testing

@Suite struct SimulationTests {
    static func parse(_ text: String) throws -> Scenario { try ScenarioParser.parse(text) }

    static let unreachable = """
    {"name": "unreachable", "duration": 200, "hosts": [{"name": "client", "ip": "10.0.0.1"%@}],
     "steps": [{"at": 0, "host": "client", "socket": "c", "call": "socket"},
               {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "10.0.0.9:80"}]}
    """

    // Reference §9 (Linux 6.5+, tcp_syn_linear_timeouts = 4): SYNs at 0,1,2,3,4,5,7,11,19,35,67 s,
    // connect() fails with ETIMEDOUT at 131 s.
    @Test func synRetransmissionScheduleWithLinearTimeouts() throws {
        let t = Simulation(scenario: try Self.parse(Self.unreachable.replacingOccurrences(of: "%@", with: ""))).run()
        let syns = segments(t).filter { $0.flags == "SYN" }
        #expect(syns.map { $0.t } == [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67])
        #expect(syns.allSatisfy { $0.arrives == nil })
        let r = try #require(ret(t, "client", "c", "connect"))
        #expect(r.errno == "ETIMEDOUT")
        #expect(r.t == 131)
    }

    // Reference §9 (≤ 6.4, or tcp_syn_linear_timeouts = 0): 0,1,3,7,15,31,63 s, failure at 127 s.
    @Test func synRetransmissionScheduleExponential() throws {
        let text = Self.unreachable.replacingOccurrences(of: "%@", with: #", "sysctls": {"tcp_syn_linear_timeouts": 0}"#)
        let t = Simulation(scenario: try Self.parse(text)).run()
        #expect(segments(t).filter { $0.flags == "SYN" }.map(\.t) == [0, 1, 3, 7, 15, 31, 63])
        #expect(ret(t, "client", "c", "connect").map { [$0.t] } == [127])
    }

    // Determinism: the same scenario and seed give byte-identical traces; another seed changes ISNs.
    @Test func sameSeedSameBytes() throws {
        let s = try #require(Catalogue.entry("delayed-ack")).scenario()
        let a = TraceJSON.bytes(Simulation(scenario: s).run())
        let b = TraceJSON.bytes(Simulation(scenario: s).run())
        #expect(a == b)
        var other = s
        other.seed = 2
        let c = Simulation(scenario: other).run()
        let rawA = jsonEvents(Simulation(scenario: s).run()).first { $0["type"]?.stringValue == "segment" }?["rawSeq"]
        let rawC = jsonEvents(c).first { $0["type"]?.stringValue == "segment" }?["rawSeq"]
        #expect(rawA != rawC)
    }

    // __inet_hash_connect(): ephemeral ports are even and within 32768–60999.
    @Test func ephemeralPortsInLinuxRange() throws {
        for seed in 1...20 {
            let t = try runCatalogue("handshake-queues", seed: UInt64(seed))
            let syn = try #require(jsonEvents(t).first { $0["type"]?.stringValue == "segment" })
            let port = Int(syn["src"]!.stringValue!.split(separator: ":")[1])!
            #expect((32768...60999).contains(port))
            #expect(port % 2 == 0)
        }
    }

    // Bounds: a run over its event budget stops with a clear reason instead of running away.
    @Test func eventLimitStopsTheRun() throws {
        let s = try #require(Catalogue.entry("four-way-close")).scenario()
        let t = Simulation(scenario: s, limits: SimulationLimits(maxEvents: 10)).run()
        #expect(t.truncated?.contains("event limit") == true)
        #expect(TraceJSON.summary(t)["outcome"]?.stringValue == "truncated")
    }

    // SO_LINGER {on, 0}: close() aborts with RST|ACK from ESTABLISHED (tcp_disconnect()).
    @Test func lingerZeroCloseSendsRst() throws {
        var s = try #require(Catalogue.entry("four-way-close")).scenario()
        s.steps.append(Step(at: .ms(900), host: "client", socket: "c", call: .setsockopt(.SO_LINGER, 0)))
        let t = Simulation(scenario: s).run()
        let rst = try #require(segments(t).first { $0.flags.contains("RST") })
        #expect(rst.shape == "client RST|ACK 5 1 0")
        #expect(rst.t == 1.0)
        #expect(!states(t, "client", "c").contains { $0.contains("TIME_WAIT") })
    }

    // Every catalogue scenario runs to completion with its defaults.
    @Test(arguments: Catalogue.ids) func catalogueRuns(id: String) throws {
        let t = try runCatalogue(id)
        #expect(t.truncated == nil)
        #expect(!segments(t).isEmpty)
    }
}

extension SimulationTests {
    static func reconnectFromTimeWait(timestamps: Int) throws -> Trace {
        let text = """
        {"duration": 5, "hosts": [{"name": "client", "ip": "10.0.0.1", "sysctls": {"tcp_timestamps": \(timestamps)}}, {"name": "server", "ip": "10.0.0.2"}],
         "links": [{"between": ["client", "server"], "delay": "20ms"}],
         "steps": [
          {"at": 0, "host": "server", "socket": "ls", "call": "socket"},
          {"at": 0, "host": "server", "socket": "ls", "call": "bind", "port": 8888},
          {"at": 0, "host": "server", "socket": "ls", "call": "listen"},
          {"at": 0, "host": "server", "socket": "ls", "call": "accept", "as": "a"},
          {"at": 0, "host": "server", "socket": "a", "call": "read", "until": "eof"},
          {"at": 0, "host": "server", "socket": "a", "call": "close"},
          {"at": 0, "host": "client", "socket": "c", "call": "socket"},
          {"at": 0, "host": "client", "socket": "c", "call": "setsockopt", "option": "SO_REUSEADDR", "value": 1},
          {"at": 0, "host": "client", "socket": "c", "call": "bind", "port": 40000},
          {"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:8888"},
          {"at": 0.5, "host": "client", "socket": "c", "call": "close"},
          {"at": 1, "host": "server", "socket": "ls", "call": "accept", "as": "b"},
          {"at": 2, "host": "client", "socket": "c2", "call": "socket"},
          {"at": 2, "host": "client", "socket": "c2", "call": "setsockopt", "option": "SO_REUSEADDR", "value": 1},
          {"at": 2, "host": "client", "socket": "c2", "call": "bind", "port": 40000},
          {"at": 2, "host": "client", "socket": "c2", "call": "connect", "to": "server:8888"}]}
        """
        return Simulation(scenario: try ScenarioParser.parse(text)).run()
    }

    // Reference §8 and the 6.18 addendum: connect() from a bound port reuses its own TIME_WAIT when
    // timestamps were used (ISN = old snd_nxt + 65537), whatever tcp_tw_reuse says; without
    // timestamps it fails with EADDRNOTAVAIL and sends nothing.
    @Test func connectReusesTimeWaitWithTimestamps() throws {
        let t = try Self.reconnectFromTimeWait(timestamps: 1)
        #expect(states(t, "client", "c").last == "TIME_WAIT>CLOSED@2")
        #expect(ret(t, "client", "c2", "connect").map { [$0.t] } == [2.04])
        let ev = jsonEvents(t).filter { $0["type"]?.stringValue == "segment" && $0["from"]?.stringValue == "client" }
        let fin = try #require(ev.first { $0["flags"]?.arrayValue?.contains("FIN") == true })
        let syn2 = try #require(ev.last { $0["flags"]?.arrayValue == ["SYN"] })
        #expect(syn2["rawSeq"]!.intValue! == (fin["rawSeq"]!.intValue! + 1 + 65537) & 0xFFFF_FFFF)
    }

    @Test func connectCannotReuseTimeWaitWithoutTimestamps() throws {
        let t = try Self.reconnectFromTimeWait(timestamps: 0)
        #expect(ret(t, "client", "c2", "connect")?.errno == "EADDRNOTAVAIL")
        #expect(!segments(t).contains { $0.t >= 2 && $0.flags == "SYN" })
    }
}
