import JSONCore
import TCPSim
import Testing

/// Claims 5–11 of the notes (the catalogue's part 2), with the instants and results the Linux
/// reference predicts (shared/reference/linux-tcp.md, section in each comment), on a 20 ms link.
@Suite struct FailureScenarioTests {
    static func drops(_ t: Trace, _ host: String) -> [String] {
        jsonEvents(t).filter { $0["type"]?.stringValue == "drop" && $0["host"]?.stringValue == host }
            .map { "\(fmt($0["t"]!.doubleValue!)) \($0["reason"]!.stringValue!)" }
    }

    // §9: a process crash closes its sockets as close() would — FIN, four-way close, TIME_WAIT.
    @Test func processCrashSendsFin() throws {
        let t = try runCatalogue("process-crash")
        let fin = try #require(segments(t).first { $0.flags == "FIN|ACK" })
        #expect(fin.from == "client" && fin.t == 1.0 && fin.shape == "client FIN|ACK 1 1 0")
        #expect(ret(t, "server", "conn", "read").map { [$0.t, Double($0.result ?? -9)] } == [1.02, 0])
        #expect(states(t, "client", "c").suffix(3) == ["FIN_WAIT_1>FIN_WAIT_2@1.04", "FIN_WAIT_2>TIME_WAIT@1.04", "TIME_WAIT>CLOSED@61.04"])
    }

    // §9: after a power cut an idle peer cannot tell: no segment, still ESTABLISHED an hour later.
    @Test func hostCrashIdleGoesUnnoticed() throws {
        let t = try runCatalogue("host-crash-idle", socketsAt: [3600])
        #expect(segments(t).count == 3)
        #expect(ret(t, "server", "conn", "read") == nil)   // still blocked
        #expect(t.snapshots[0].rows.contains { $0.host == "server" && $0.socket == "conn" && $0.state == .ESTABLISHED })
        #expect(!t.snapshots[0].rows.contains { $0.host == "client" })
    }

    // §9 and the 6.18 addendum: probe, RTO, then doubling; give up silently with ETIMEDOUT when the
    // tcp_retries2 time budget is spent (tcp_retries2 = 5: (2^6 − 1) × 200 ms = 12.6 s from the first
    // retransmission at 2.24 s, so at the first timer after 14.84 s).
    @Test func hostCrashWithDataRetransmitsThenTimesOut() throws {
        let t = try runCatalogue("host-crash-with-data", params: ["tcp_retries2": "5"])
        let sent = segments(t).filter { $0.from == "server" && $0.len > 0 }
        #expect(sent.map(\.t) == [2.0, 2.24, 2.48, 2.96, 3.92, 5.84, 9.68])
        #expect(sent.allSatisfy { $0.arrives == nil })
        let r = try #require(ret(t, "server", "conn", "read"))
        #expect(r.errno == "ETIMEDOUT")
        #expect(r.t == 17.36)
        #expect(!segments(t).contains { $0.flags.contains("RST") })
    }

    // §9: with the defaults the budget is 924.6 s of backoff: the RTO grows to 120 s and the
    // connection is given up at the first timer after it.
    @Test func defaultRetries2Budget() throws {
        let t = try runCatalogue("host-crash-with-data")
        let sent = segments(t).filter { $0.from == "server" && $0.len > 0 }.map(\.t)
        let gaps = zip(sent.dropFirst(), sent).map { ((($0 - $1) * 1000).rounded()) / 1000 }
        #expect(gaps.prefix(4) == [0.24, 0.24, 0.48, 0.96])
        #expect(gaps.suffix(3) == [120, 120, 120])
        let r = try #require(ret(t, "server", "conn", "read"))
        #expect(r.errno == "ETIMEDOUT")
        #expect(r.t > 2.24 + 924.6 && r.t <= 2.24 + 924.6 + 120)
    }

    // §9: a rebooted host answers the old connection's data with RST (seq = SEG.ACK, no ACK flag).
    @Test func rebootedHostAnswersRst() throws {
        let t = try runCatalogue("host-reboot-rst")
        let rst = try #require(segments(t).last)
        #expect(rst.shape == "client RST 1 - 0")
        #expect(rst.t == 20.02)
        #expect(ret(t, "server", "conn", "read").map { [$0.t] } == [20.04])
        #expect(ret(t, "server", "conn", "read")?.errno == "ECONNRESET")
    }

    // Claim 11: an idle connection survives a pulled cable.
    @Test func cableUnplugIdleSurvives() throws {
        let t = try runCatalogue("cable-unplug-idle", socketsAt: [300])
        #expect(!segments(t).contains { $0.t > 0.1 && $0.t < 600 })
        #expect(t.snapshots[0].rows.filter { $0.state == .ESTABLISHED }.count == 2)
        #expect(ret(t, "server", "conn", "read")?.result == 10)   // "still here" arrives after replug
    }

    // Claim 11 / RFC 6298 §5.5: retransmissions back off while the cable is out; the first one after
    // it returns is delivered.
    @Test func cableUnplugWithDataRecovers() throws {
        let t = try runCatalogue("cable-unplug-with-data")
        let data = segments(t).filter { $0.from == "client" && $0.len > 0 }
        #expect(data.map(\.t) == [2.0, 2.24, 2.48, 2.96, 3.92, 5.84, 9.68, 17.36])
        #expect(data.dropLast().allSatisfy { $0.arrives == nil })
        #expect(data.last?.arrives == 17.38)
        #expect(segments(t).contains { $0.from == "server" && $0.ack == 15 && $0.t == 17.38 })
    }

    // §10: probes at keepalive_time, then every keepalive_intvl; after keepalive_probes, RST|ACK and ETIMEDOUT.
    @Test func keepaliveProbesThenTimesOut() throws {
        let t = try runCatalogue("cable-unplug-keepalive")
        let probes = segments(t).filter { $0.from == "server" && $0.flags == "ACK" && $0.t > 1 }
        #expect(probes.map(\.t) == (0..<9).map { 7200.06 + Double($0) * 75 })
        #expect(probes.allSatisfy { $0.seq == 0 && $0.len == 0 })   // seq = snd_una − 1, no payload
        let rst = try #require(segments(t).last)
        #expect(rst.shape == "server RST|ACK 1 1 0")
        #expect(rst.t == 7875.06)
        #expect(ret(t, "server", "conn", "read")?.errno == "ETIMEDOUT")
    }

    // Claim 6: a reconnection from a new port is a new connection; the old one stays ESTABLISHED.
    @Test func crashReconnectFromNewPort() throws {
        let t = try runCatalogue("crash-reconnect-new-port", socketsAt: [8])
        #expect(ret(t, "server", "ls", "accept", nth: 1).map { $0.t } == 6.06)
        let server = t.snapshots[0].rows.filter { $0.host == "server" && $0.state == .ESTABLISHED }
        #expect(server.map(\.socket).sorted() == ["new", "old"])
        #expect(ret(t, "server", "new", "read")?.data == "hello again")
    }

    // §6: a SYN on the old connection's 4-tuple draws a challenge ACK; the client's RST (seq = its ack)
    // resets the old connection; the client's SYN, retried after TCP_TIMEOUT_MIN (8 ms), gets in.
    @Test func crashReconnectFromSamePort() throws {
        let t = try runCatalogue("crash-reconnect-same-port")
        let s = segments(t).filter { $0.t >= 6 }
        #expect(s.map { "\($0.from) \($0.flags) @\(fmt($0.t))" }.prefix(5) == [
            "client SYN @6", "server ACK @6.02", "client RST @6.04", "client SYN @6.048", "server SYN|ACK @6.068",
        ])
        #expect(s[1].seq == 1)                 // the challenge ACK carries the old connection's real seq …
        let challenge = jsonEvents(t).first { $0["type"]?.stringValue == "segment" && $0["t"]?.doubleValue == 6.02 }
        let rst = jsonEvents(t).first { $0["type"]?.stringValue == "segment" && $0["t"]?.doubleValue == 6.04 }
        #expect(rst?["rawSeq"] == challenge?["rawAck"])   // … and the RST echoes its ack
        #expect(ret(t, "server", "old", "read")?.errno == "ECONNRESET")
        #expect(ret(t, "client", "c2", "connect").map { $0.t } == 6.088)
    }

    // §13 / RFC 5961 §3.2: a blind in-window RST only draws a challenge ACK; the forged SYN's challenge
    // ACK reveals rcv_nxt; an RST at exactly that number kills each side.
    @Test func forgedRstKillsOnlyWithExactSeq() throws {
        let t = try runCatalogue("kill-connection-forged-rst")
        let s = segments(t)
        #expect(s.contains { $0.from == "server" && $0.flags == "ACK" && $0.t == 1.0 })   // challenge ACK to the blind RST
        #expect(states(t, "server", "conn").last == "ESTABLISHED>CLOSED@2.5")
        #expect(states(t, "client", "c").last == "ESTABLISHED>CLOSED@2.5")
        #expect(ret(t, "server", "conn", "read", nth: 1)?.errno == "ECONNRESET")
        #expect(ret(t, "client", "c", "read")?.errno == "ECONNRESET")
        let forged = jsonEvents(t).filter { $0["injected"] == .bool(true) }
        #expect(forged.count == 4)
    }

    // §5: the FIN that overtook the data waits in the out-of-order queue (FIN_WAIT_2, SACKed);
    // TIME_WAIT comes when the data fills the hole.
    @Test func outOfOrderFinWaitsForTheData() throws {
        let t = try runCatalogue("out-of-order-fin")
        #expect(states(t, "client", "c").contains("FIN_WAIT_1>FIN_WAIT_2@0.28"))
        // RACK (RFC 8985): the SACK of the FIN (sent after the data) makes the sender retransmit the data
        // once its RTT plus min_rtt/4 has passed (0.5 + 0.04 + 0.01); it arrives at 0.57. (Linux 6.18
        // did the same, 13 ms later on its timer wheel.)
        #expect(states(t, "client", "c").contains("FIN_WAIT_2>TIME_WAIT@0.57"))
        let dupack = try #require(segments(t).first { $0.from == "client" && $0.t == 0.52 })
        #expect(dupack.ack == 1)   // still waiting for the response's first byte
        #expect(dupack.options["sack"]?.arrayValue?.count == 1)
        #expect(ret(t, "client", "c", "read").map { [$0.data ?? "", "\($0.t)"] } == ["response", "0.57"])
        #expect(ret(t, "client", "c", "read", nth: 1)?.result == 0)
        #expect(jsonEvents(t).contains { $0["timer"]?.stringValue == "reorder" && $0["action"]?.stringValue == "fire" })
    }

    // §7: a legal SYN (newer timestamp, higher ISN) reuses the TIME_WAIT 4-tuple, ISN = old snd_nxt + 65537.
    @Test func timeWaitLegalSynReuses() throws {
        let t = try runCatalogue("time-wait-legal-syn")
        #expect(states(t, "server", "first").last == "TIME_WAIT>CLOSED@2.02")
        let ev = jsonEvents(t).filter { $0["type"]?.stringValue == "segment" && $0["from"]?.stringValue == "server" }
        let fin = try #require(ev.first { $0["flags"]?.arrayValue?.contains("FIN") == true })
        let synAck = try #require(ev.first { $0["flags"]?.arrayValue == ["SYN", "ACK"] && $0["t"]!.doubleValue! > 2 })
        #expect(synAck["rawSeq"]!.intValue! == (fin["rawSeq"]!.intValue! + 1 + 65537) & 0xFFFF_FFFF)
        #expect(ret(t, "client", "c2", "connect").map { $0.t } == 2.04)
        #expect(ret(t, "server", "second", "read")?.data == "hello again")
    }

    // §7: an old SYN gets TIME_WAIT's last ACK; the client RSTs it (seq = that ack); rfc1337 = 0 lets
    // the RST end TIME_WAIT and the client's retried SYN reaches the listener.
    @Test func timeWaitIllegalSynGetsLastAck() throws {
        let t = try runCatalogue("time-wait-illegal-syn")
        let s = segments(t).filter { $0.t >= 2 }
        #expect(s.prefix(4).map { "\($0.from) \($0.flags) @\(fmt($0.t))" } == ["client SYN @2", "server ACK @2.02", "client RST @2.04", "client SYN @2.048"])
        #expect(s[1].seq == 5 && s[1].ack == 100_000)   // the fourth wave's numbers, far from the SYN's
        #expect(states(t, "server", "first").last == "TIME_WAIT>CLOSED@2.06")
        #expect(ret(t, "client", "c2", "connect").map { $0.t } == 2.088)
    }

    // §1: a SYN finding the accept queue full is dropped; the client's 1 s retransmissions get in
    // once accept() made room (kernel capture handshake-queues-overflow-reqsk shows the same).
    @Test func synDroppedWhileAcceptQueueFull() throws {
        let t = try runCatalogue("syn-drop-queue-full")
        #expect(Self.drops(t, "server") == ["0.12 TCP_LISTEN_OVERFLOW", "1.12 TCP_LISTEN_OVERFLOW"])
        #expect(ret(t, "client", "c3", "connect").map { $0.t } == 2.14)
    }

    // §1: without SYN cookies a SYN beyond the SYN queue (backlog + 1 requests in 6.18) is dropped.
    @Test func synDroppedWhenSynQueueFullWithoutCookies() throws {
        let t = try runCatalogue("syn-drop-queue-full", params: ["tcp_syncookies": "0", "stagger": "1ms", "clients": "3"])
        #expect(Self.drops(t, "server").first == "0.022 TCP_REQQFULLDROP")
    }

    // §8: tcp_tw_recycle behind NAT: c2's SYNs carry older timestamps than c1's remembered one and are
    // dropped silently until 60 s after; without recycle c2 connects at once.
    @Test func twRecycleBehindNatDropsSyns() throws {
        let t = try runCatalogue("syn-drop-tw-recycle-nat")
        let d = Self.drops(t, "server")
        #expect(d.count == 10 && d.allSatisfy { $0.hasSuffix("TCP_RFC7323_PAWS") })
        #expect(ret(t, "c2", "b", "connect").map { $0.t } == 69.04)
        let off = try runCatalogue("syn-drop-tw-recycle-nat", params: ["tcp_tw_recycle": "0"])
        #expect(ret(off, "c2", "b", "connect").map { $0.t } == 2.04)
        // Both clients appear to the server as the NAT's address.
        #expect(jsonEvents(t).filter { $0["type"]?.stringValue == "segment" && $0["to"]?.stringValue == "server" }
            .allSatisfy { $0["src"]!.stringValue!.hasPrefix("203.0.113.1:") })
    }
}

extension FailureScenarioTests {
    // §9: TCP_USER_TIMEOUT overrides the retries2 budget: the connection is given up (silently) once
    // data stayed unacknowledged that long.
    @Test func userTimeoutShortensTheBudget() throws {
        var s = try Catalogue.entry("host-crash-with-data")!.scenario()
        s.steps.append(Step(at: .ms(1500), host: "server", socket: "conn", call: .setsockopt(.TCP_USER_TIMEOUT, 5000)))
        let t = Simulation(scenario: s).run()
        let r = try #require(ret(t, "server", "conn", "read"))
        #expect(r.errno == "ETIMEDOUT")
        #expect(r.t >= 7.0 && r.t <= 7.3)
        #expect(!segments(t).contains { $0.flags.contains("RST") })
    }

    // §1: with tcp_abort_on_overflow = 1 a final ACK that finds the accept queue full is answered with
    // RST (seq = its ack, no ACK flag); the client, already ESTABLISHED, is reset.
    @Test func abortOnOverflowResetsTheClient() throws {
        // Clients 30 ms apart: the third SYN still gets a request socket (a cookie's ACK would be exempt).
        let t = try runCatalogue("handshake-queues", params: ["backlog": "1", "clients": "3", "stagger": "30ms",
                                                              "accept_at": "2s", "tcp_abort_on_overflow": "1"])
        let rst = try #require(segments(t).first { $0.flags == "RST" })
        #expect(rst.from == "server" && rst.seq == 1 && fmt(rst.t) == "0.12")   // the third ACK arrives at 0.12
        #expect(states(t, "client", "c3").contains("ESTABLISHED>CLOSED@0.14"))
        let zero = try runCatalogue("handshake-queues", params: ["backlog": "1", "clients": "3", "stagger": "30ms", "accept_at": "2s"])
        #expect(!segments(zero).contains { $0.flags.contains("RST") && $0.t < 2 })
        // With 0 the ACK is dropped and the SYN-ACK retransmitted until accept() makes room.
        #expect(segments(zero).contains { $0.from == "server" && $0.flags == "SYN|ACK" && $0.t > 1 })
    }
}
