import JSONCore
import TCPSim
import Testing
import TraceFormats

@Suite struct TraceFormatsTests {
    static func trace(_ id: String, socketsAt: [Instant] = []) throws -> Trace {
        Simulation(scenario: try #require(Catalogue.entry(id)).scenario(), snapshotsAt: socketsAt).run()
    }

    // The contract: schemaVersion 1, scenario, hosts, summary, events ordered by t with the documented fields.
    @Test func jsonContractFields() throws {
        let t = try Self.trace("four-way-close")
        let j = TraceJSON.encode(t)
        #expect(j["schemaVersion"] == .int(1))
        #expect(j["scenario"]?["name"]?.stringValue == "four-way-close")
        #expect(j["hosts"]?.arrayValue?.map { $0["name"]?.stringValue } == ["client", "server"])
        #expect(j["hosts"]?[1]?["sysctls"]?["somaxconn"] == .int(4096))
        let events = try #require(j["events"]?.arrayValue)
        let times = events.compactMap { $0["t"]?.doubleValue }
        #expect(times == times.sorted())
        let syn = try #require(events.first { $0["type"]?.stringValue == "segment" })
        for key in ["id", "from", "to", "src", "dst", "flags", "seq", "rawSeq", "len", "win", "options", "arrivesAt", "fate"] {
            #expect(syn[key] != nil, "segment lacks \(key)")
        }
        #expect(syn["ack"] == nil)   // no ACK flag, no ack field
        #expect(syn["options"]?["mss"] == .int(1460))
        let synAck = try #require(events.first { $0["flags"]?.arrayValue == ["SYN", "ACK"] })
        #expect(synAck["ack"] == .int(1))
        #expect(synAck["rawAck"]?.intValue == (syn["rawSeq"]!.intValue! + 1) & 0xFFFF_FFFF)
        let ret = try #require(events.first { $0["type"]?.stringValue == "call" && $0["call"]?.stringValue == "connect" && $0["phase"]?.stringValue == "return" })
        #expect(ret["result"] == .int(0))
        #expect(ret["note"]?["zh"]?.stringValue?.isEmpty == false)
        #expect(j["summary"]?["segments"] == .int(9))
        #expect(j["summary"]?["outcome"]?.stringValue == "completed")
    }

    // Failed calls carry result -1 and the errno name.
    @Test func errnoOnReturn() throws {
        let events = TraceJSON.encode(try Self.trace("no-listen-rst"))["events"]!.arrayValue!
        let r = try #require(events.first { $0["call"]?.stringValue == "connect" && $0["phase"]?.stringValue == "return" })
        #expect(r["result"] == .int(-1))
        #expect(r["errno"]?.stringValue == "ECONNREFUSED")
    }

    // The ladder puts the client's events left, the server's right, and arrows between them.
    @Test func ladderShowsArrowsStatesAndReturns() throws {
        let text = TextLadder.render(try Self.trace("four-way-close"), notes: .en)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("[1] SYN seq=0 len=0 win=64240") && $0.contains("▶ @0.020000") })
        #expect(lines.contains { $0.contains("◀") && $0.contains("[2] SYN|ACK seq=0 ack=1 len=0 win=65160") })
        #expect(lines.contains { $0.hasPrefix("0.040000   c: connect() returns 0") })
        #expect(lines.contains { $0.hasPrefix("62.020000  c: TIME_WAIT → CLOSED") })
        let serverLine = try #require(lines.first { $0.contains("conn: ESTABLISHED → CLOSE_WAIT") })
        #expect(serverLine.hasPrefix("1.020000") && serverLine.contains("   conn:"))
        #expect(text.contains("ℹ connect() returns as soon as the SYN-ACK arrives"))
        let zh = TextLadder.render(try Self.trace("four-way-close"), notes: .zh)
        #expect(zh.contains("ℹ connect() 在收到 SYN-ACK"))
    }

    @Test func socketTableLooksLikeSS() throws {
        let t = try Self.trace("four-way-close", socketsAt: [Instant(us: 1_500_000)])
        let text = SocketTableText.render(try #require(t.snapshots.first))
        #expect(text.contains("Recv-Q"))
        #expect(text.split(separator: "\n").contains { $0.contains("FIN-WAIT-2") && $0.hasPrefix("client") })
        #expect(text.split(separator: "\n").contains { $0.contains("CLOSE-WAIT") && $0.hasPrefix("server") })
    }
}

extension TraceFormatsTests {
    // The streamed bytes are exactly the serialized contract tree.
    @Test func streamedBytesEqualTheTree() throws {
        let t = try Self.trace("four-way-close", socketsAt: [Instant(us: 500_000)])
        let streamed = String(decoding: TraceJSON.bytes(t), as: UTF8.self)
        #expect(streamed == TraceJSON.encode(t).serialized() + "\n")
    }
}

/// `TraceJSON.bytes` writes segment events without a JSON tree; it must give exactly the bytes of
/// the tree (`encode`), which is the contract's definition.
@Suite struct TraceJSONStreamingTests {
    static let scenarios: [(String, [String: String])] = Catalogue.ids.filter { $0 != "bulk-transfer" }.map { ($0, [:]) }
        + [("bulk-transfer", ["bytes": "200000", "loss": "0.03", "rate": "10Mbit"])]

    @Test(arguments: scenarios.map(\.0))
    func streamedBytesEqualTheTree(_ id: String) throws {
        let params = Self.scenarios.first { $0.0 == id }!.1
        let trace = Simulation(scenario: try Catalogue.entry(id)!.scenario(params: params)).run()
        var tree: [UInt8] = []
        TraceJSON.encode(trace).write(into: &tree)
        tree.append(0x0A)
        #expect(TraceJSON.bytes(trace) == tree)
    }
}
