import JSONCore
import TCPSim
import Testing
import TraceFormats

/// Data transfer: slow start from the initial window, fast retransmit and recovery, tail loss probe,
/// flow control and zero-window probing (RFC 5681, 6582, 6675, 6928, 8985; reference §9 and §14).
@Suite struct CongestionTests {
    /// A client sending `bytes` to a server over a 1 Gbit/s, 5 ms link, with optional rules and sysctls.
    static func bulk(bytes: Int, rules: [NetRule] = [], client: [(String, SysctlValue)] = [], server: [(String, SysctlValue)] = [],
                     serverReads: Bool = true, duration: TimeSpan = .seconds(30)) -> Trace {
        var b = try! Catalogue.entry("bulk-transfer")!.scenario(params: ["bytes": "\(bytes)"])
        b.hosts[0].sysctls += client
        b.hosts[1].sysctls += server
        if !serverReads { b.steps.removeAll { $0.host == "server" && ($0.call == .read(max: 1 << 20, untilEOF: true) || $0.call == .close) } }
        b.rules = rules
        b.duration = duration
        return Simulation(scenario: b).run()
    }

    static func cc(_ t: Trace, _ host: String = "client") -> [JSON] {
        jsonEvents(t).filter { $0["type"]?.stringValue == "cc" && $0["host"]?.stringValue == host }
    }

    // RFC 6928 / TCP_INIT_CWND: the first flight is ten segments; slow start adds one per ACKed segment.
    @Test func slowStartFromTenSegments() {
        let t = Self.bulk(bytes: 200_000)
        let data = segments(t).filter { $0.from == "client" && $0.len > 0 }
        let firstFlight = data.filter { $0.t == data[0].t }
        #expect(firstFlight.count == 10)
        #expect(firstFlight.allSatisfy { $0.len == 1448 })
        let cwnds = Self.cc(t).prefix(5).compactMap { $0["cwnd"]?.intValue }
        #expect(cwnds == [11, 12, 13, 14, 15])
        #expect(Self.cc(t).allSatisfy { $0["state"]?.stringValue == "open" })
    }

    // RFC 6675 with SACK (CUBIC's β = 0.7): one lost segment is repaired by a fast retransmit after
    // three duplicate ACKs, cwnd drops to ssthresh = 0.7 × cwnd, no RTO fires.
    @Test func fastRetransmitWithSack() throws {
        let t = Self.bulk(bytes: 300_000, rules: [NetRule(from: "client", dataOnly: true, nth: 30, action: .drop)])
        let data = segments(t).filter { $0.from == "client" && $0.len > 0 }
        let lost = try #require(data.first { $0.arrives == nil })
        let rtx = data.filter { $0.seq == lost.seq }
        #expect(rtx.count == 2)
        let recovery = try #require(Self.cc(t).first { $0["state"]?.stringValue == "recovery" })
        let before = try #require(Self.cc(t).last { $0["t"]!.doubleValue! < recovery["t"]!.doubleValue! && $0["state"]?.stringValue != "recovery" })
        let w = Int(before["cwnd"]!.intValue!)
        #expect(recovery["ssthresh"]?.intValue == Int64(Int(Double(w) * 717 / 1024)))
        #expect(recovery["cwnd"] == recovery["ssthresh"])
        #expect(us(rtx[1].t) == us(recovery["t"]!.doubleValue!))   // retransmitted as recovery begins
        let dupacks = segments(t).filter { $0.from == "server" && $0.ack == lost.seq && $0.t < rtx[1].t }
        #expect(dupacks.count >= 3)
        #expect(dupacks.last?.options["sack"]?.arrayValue?.isEmpty == false)
        #expect(!jsonEvents(t).contains { $0["type"]?.stringValue == "timer" && $0["timer"]?.stringValue == "retransmit" && $0["action"]?.stringValue == "fire" })
        #expect(ret(t, "server", "conn", "read")?.result == 300_000)
    }

    // RFC 6582 NewReno when SACK is off (tcp_sack = 0): Reno halves, cwnd = ssthresh + 3 during recovery.
    @Test func fastRetransmitNewRenoWithoutSack() throws {
        let t = Self.bulk(bytes: 300_000, rules: [NetRule(from: "client", dataOnly: true, nth: 30, action: .drop)],
                          client: [("tcp_congestion_control", .string("reno"))], server: [("tcp_sack", .int(0))])
        let recovery = try #require(Self.cc(t).first { $0["state"]?.stringValue == "recovery" })
        let before = try #require(Self.cc(t).last { $0["t"]!.doubleValue! < recovery["t"]!.doubleValue! && $0["state"]?.stringValue != "recovery" })
        let ssthresh = Int(before["cwnd"]!.intValue!) / 2
        #expect(recovery["ssthresh"]?.intValue == Int64(ssthresh))
        #expect(recovery["cwnd"]?.intValue == Int64(ssthresh + 3))
        #expect(ret(t, "server", "conn", "read")?.result == 300_000)
    }

    // RFC 8985 §7: when the last segment of a flight is lost, a tail loss probe resends it about two
    // RTTs later, before any RTO.
    @Test func tailLossProbeRepairsALostLastSegment() throws {
        // No close: the tenth data segment is the tail (with a FIN after it, RACK would act first).
        var s = try Catalogue.entry("bulk-transfer")!.scenario(params: ["bytes": "\(10 * 1448)"])
        s.steps.removeAll { $0.host == "client" && $0.call == .close }
        s.rules = [NetRule(from: "client", dataOnly: true, nth: 10, action: .drop)]
        s.duration = .seconds(5)
        let t = Simulation(scenario: s).run()
        let fires = jsonEvents(t).filter { $0["type"]?.stringValue == "timer" && $0["action"]?.stringValue == "fire" && $0["host"]?.stringValue == "client" }
        #expect(fires.first?["timer"]?.stringValue == "loss_probe")
        let data = segments(t).filter { $0.from == "client" && $0.len > 0 }
        #expect(data.count == 11)
        #expect(data.last?.seq == data[9].seq)   // the probe resends the lost tenth segment
        #expect(segments(t).contains { $0.from == "server" && $0.ack == 14_481 })   // and everything is acknowledged
    }

    // RFC 9293 §3.8.6 flow control: a receiver that does not read closes its window; the sender probes
    // the zero window (ACK with seq = snd_una − 1) with backed-off intervals.
    @Test func zeroWindowProbing() throws {
        let t = Self.bulk(bytes: 2_000_000, serverReads: false, duration: .seconds(10))
        let zero = try #require(segments(t).first { $0.from == "server" && $0.win == 0 })
        #expect(zero.t < 1)
        let probes = jsonEvents(t).filter { $0["type"]?.stringValue == "timer" && $0["timer"]?.stringValue == "persist" && $0["action"]?.stringValue == "fire" }
            .map { $0["t"]!.doubleValue! }
        #expect(probes.count >= 3)
        let gaps = zip(probes.dropFirst(), probes).map { $0 - $1 }
        #expect(zip(gaps.dropFirst(), gaps).allSatisfy { $0 >= $1 })   // backing off
        #expect(ret(t, "client", "c", "write") == nil)   // the writer stays blocked: its data cannot all be buffered
    }

    // Receive-buffer autotuning (tcp_rcv_space_adjust()): the advertised window grows well past 64 KiB.
    @Test func receiveWindowAutotunes() {
        let t = Self.bulk(bytes: 5_000_000)
        let maxWindow = Self.cc(t).compactMap { $0["peerWindow"]?.intValue }.max() ?? 0
        #expect(maxWindow > 1_000_000)
    }

    // Loss is drawn from per-direction generators seeded by the scenario: same seed, same losses.
    @Test func randomLossIsReproducible() throws {
        var s = try Catalogue.entry("bulk-transfer")!.scenario(params: ["bytes": "500000", "loss": "2%"])
        let a = Simulation(scenario: s).run(), b = Simulation(scenario: s).run()
        #expect(a.counters.lost == b.counters.lost)
        #expect(a.counters.lost > 0)
        s.seed = 7
        let c = Simulation(scenario: s).run()
        #expect(segments(c).filter { $0.arrives == nil }.map(\.t) != segments(a).filter { $0.arrives == nil }.map(\.t))
        #expect(ret(a, "server", "conn", "read")?.result == 500_000)
    }

    // The summary reports goodput and SRTT from the cc events.
    @Test func summaryReportsGoodput() throws {
        let t = Self.bulk(bytes: 1_000_000)
        let s = TraceJSON.summary(t)
        #expect(s["bytesRead"] == .int(1_000_000))
        let goodput = try #require(s["goodputBitsPerSecond"]?.doubleValue)
        #expect(goodput > 50_000_000 && goodput < 1_000_000_000)
        #expect(s["srttMin"]?.doubleValue.map { $0 >= 0.010 && $0 < 0.012 } == true)
    }
}
