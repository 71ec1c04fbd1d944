import JSONCore
import TCPSim
import Testing

@Suite struct ScenarioParserTests {
    static func errors(_ text: String) -> [String] {
        do {
            _ = try ScenarioParser.parse(text)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    static let base = """
    {"duration": "2s",
     "hosts": [{"name": "client", "ip": "10.0.0.1"}, {"name": "server", "ip": "10.0.0.2"}],
     "links": [{"between": ["client", "server"], "delay": "20ms"}],
     "steps": [%@]}
    """

    static func withSteps(_ steps: String) -> String { base.replacingOccurrences(of: "%@", with: steps) }

    @Test func unknownCallSuggestsTheNearestName() {
        let text = Self.withSteps(#"""
        {"at": 0, "host": "client", "socket": "c", "call": "socket"},
        {"at": 0, "host": "client", "socket": "c", "call": "socket"},
        {"at": 0, "host": "client", "socket": "c", "call": "socket"},
        {"at": 0, "host": "client", "socket": "c", "call": "conect", "to": "server:80"}
        """#)
        #expect(Self.errors(text) == [#"steps[3].call: unknown call "conect" (did you mean "connect"?)"#])
    }

    @Test func everyProblemIsReportedAtOnceWithItsPath() {
        let text = """
        {"duration": -1, "seed": "x",
         "hosts": [{"name": "client", "ip": "10.0.0.300", "sysctls": {"tcp_syncookie": 1, "tcp_fin_timeout": 0}},
                   {"name": "client", "ip": "10.0.0.2"}],
         "links": [{"between": ["client", "srv"]}],
         "steps": [{"at": "soon", "host": "cliant", "socket": "c", "call": "socket", "prot": 1}]}
        """
        let e = Self.errors(text)
        #expect(e.contains("seed: expected a non-negative integer, got a string"))
        #expect(e.contains("duration: expected a time of 0 or more seconds"))
        #expect(e.contains(#"hosts[0].ip: "10.0.0.300" is not an IPv4 address like 10.0.0.1"#))
        #expect(e.contains(#"hosts[0].sysctls.tcp_syncookie: unknown sysctl "tcp_syncookie" (did you mean "tcp_syncookies"?)"#))
        #expect(e.contains("hosts[0].sysctls.tcp_fin_timeout: 0 is out of range 1…3600"))
        #expect(e.contains(#"links[0].between[1]: unknown host "srv""#))
        #expect(e.contains(#"steps[0].at: "soon" is not a time; write seconds (0.02) or a number with a unit (20ms, 1.5s, 300us)"#))
        #expect(e.contains(#"steps[0].host: unknown host "cliant" (did you mean "client"?)"#))
        #expect(e.contains(#"steps[0].prot: unknown field "prot""#))
    }

    @Test func socketsMustBeCreatedBeforeUse() {
        let text = Self.withSteps(#"{"at": 0, "host": "client", "socket": "c", "call": "connect", "to": "server:80"}"#)
        #expect(Self.errors(text) == [#"steps[0].socket: socket "c" on client is used before a socket or accept step creates it"#])
    }

    @Test func stepsAfterTheEndAreRefused() {
        let text = Self.withSteps(#"{"at": 5, "host": "client", "socket": "c", "call": "socket"}"#)
        #expect(Self.errors(text) == ["steps[0].at: 5s is after the end of the run (duration 2s)"])
    }

    @Test func boundsAreEnforced() {
        var limits = ScenarioLimits()
        limits.maxSteps = 2
        let text = Self.withSteps(Array(repeating: #"{"at": 0, "host": "client", "socket": "c", "call": "socket"}"#, count: 3).joined(separator: ","))
        do {
            _ = try ScenarioParser.parse(text, limits: limits)
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.description) == ["steps: at most 2 steps"])
        }
        #expect(Self.errors(#"{"duration": "1000000s", "hosts": [{"name": "a", "ip": "10.0.0.1"}]}"#) == ["duration: at most 100000s of simulated time"])
    }

    /// Numbers too large for the simulator's 64-bit microseconds and bits/s are refused with the
    /// field's message, never a trap (Int64(Double) traps on them).
    @Test(arguments: [#""1e300s""#, #""inf""#, #""1e400ms""#, "1e300", #""99999999999999999999h""#])
    func hugeTimesAndRatesAreErrorsNotTraps(_ value: String) {
        let text = #"{"duration": 1, "hosts": [{"name": "a", "ip": "10.0.0.1"}, {"name": "b", "ip": "10.0.0.2"}], "links": [{"between": ["a", "b"], "delay": \#(value), "rate": \#(value.replacingOccurrences(of: "s\"", with: "\"").replacingOccurrences(of: "h\"", with: "Gbit\""))}]}"#
        let errs = Self.errors(text)
        #expect(errs.contains { $0.hasPrefix("links[0].delay: ") })
        #expect(errs.contains { $0.hasPrefix("links[0].rate: ") })
        #expect(TimeSpan.parse("1e300s") == nil && TimeSpan.parse("1e12s") == TimeSpan(us: 1_000_000_000_000_000_000))
    }

    @Test func invalidJSONSaysWhere() {
        #expect(Self.errors("{\"duration\": 1,\n \"hosts\": [}") == ["not valid JSON: line 2, column 12: unexpected character '}'"])
    }

    // The normalized JSON of every catalogue scenario parses back to the same scenario.
    @Test(arguments: Catalogue.ids) func catalogueRoundTrips(id: String) throws {
        let s = try #require(Catalogue.entry(id)).scenario()
        let again = try ScenarioParser.parse(s.json.serialized())
        #expect(again == s)
    }

    @Test func catalogueParametersAreValidated() {
        let e = Catalogue.entry("handshake-queues")!
        do {
            _ = try e.scenario(params: ["backlg": "3", "clients": "0"])
            Issue.record("expected errors")
        } catch {
            let msgs = error.errors.map(\.description)
            #expect(msgs.contains { $0.hasPrefix(#"params.backlg: unknown parameter of handshake-queues (did you mean "backlog"?)"#) })
            #expect(msgs.contains(#"params.clients: expected an integer from 1 to 64, got "0""#))
        }
    }

    @Test func sysctlOverridesAreValidatedLikeFields() throws {
        let s = try Catalogue.entry("four-way-close")!.scenario()
        #expect(throws: ScenarioErrors.self) { try s.overriding(sysctls: ["server.tcp_syncookies=7"], seed: nil) }
        #expect(throws: ScenarioErrors.self) { try s.overriding(sysctls: ["srv.tcp_syncookies=0"], seed: nil) }
        let o = try s.overriding(sysctls: ["server.net.ipv4.tcp_syncookies=0"], seed: 9)
        #expect(o.seed == 9)
        #expect(o.hosts[1].effectiveSysctls.tcp_syncookies == 0)
    }
}
