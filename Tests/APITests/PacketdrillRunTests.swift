import Foundation
import Testing
@testable import API

/// POST /api/runs with a packetdrill script: stored with its verdict, drawn like any other run.
@Suite(.serialized) struct PacketdrillRunTests {
    static let passing = """
    // close() with unread data sends RST
    0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0    bind(3, ..., ...) = 0
    +0    listen(3, 1) = 0
    +0    < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
    +0    > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 7>
    +.01  < . 1:1(0) ack 1 win 502
    +0    accept(3, ..., ...) = 4
    +.01  < P. 1:101(100) ack 1 win 502
    +0    > . 1:1(0) ack 101
    +.01  close(4) = 0
    +0    > R. 1:1(0) ack 101

    """

    @Test func aPassingScriptIsStoredWithItsVerdictAndEveryView() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let r = try curl("POST", port, "/api/runs", body: Self.passing, contentType: "text/x-packetdrill; charset=utf-8")
            #expect(r.status == 201, "\(r.text)")
            let run = r.json
            let id = run["id"] as? String ?? ""
            let summary = run["summary"] as? [String: Any] ?? [:]
            let verdict = summary["packetdrill"] as? [String: Any] ?? [:]
            #expect(verdict["verdict"] as? String == "pass")
            #expect(run["name"] as? String == "packetdrill" && run["scenario"] is NSNull)
            #expect(summary["segments"] as? Int == 6)
            // The stored trace, and the views that re-run the script, agree.
            let trace = try curl("GET", port, "/api/runs/\(id)/trace").json
            let events = trace["events"] as? [[String: Any]] ?? []
            #expect(events.filter { $0["type"] as? String == "segment" }.count == 6)
            #expect((trace["summary"] as? [String: Any])?["packetdrill"] != nil)
            let text = try curl("GET", port, "/api/runs/\(id)/trace.txt")
            #expect(text.status == 200 && text.text.contains("RST|ACK") && text.text.contains("packetdrill line 12"))
            let pcap = try curl("GET", port, "/api/runs/\(id)/trace.pcap")
            // One pcap record per segment: walk the record headers (16 bytes, then incl_len bytes).
            var records = 0, offset = 24
            let bytes = [UInt8](pcap.body)
            while offset + 16 <= bytes.count {
                let incl = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
                offset += 16 + incl
                records += 1
            }
            #expect(pcap.status == 200 && records == 6 && offset == bytes.count)
            let sockets = try curl("GET", port, "/api/runs/\(id)/sockets?at=0.025").json
            let rows = (sockets["rows"] as? [[String: Any]]) ?? []
            #expect(rows.contains { $0["state"] as? String == "ESTABLISHED" && $0["recvQ"] as? Int == 100 }, "\(sockets)")
        }
    }

    @Test func aFailingScriptIsStoredWithTheMismatch() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let failing = Self.passing.replacingOccurrences(of: "> R. 1:1(0) ack 101", with: "> F. 1:1(0) ack 101")
            let r = try curl("POST", port, "/api/runs", body: failing, contentType: "text/x-packetdrill")
            #expect(r.status == 201)
            let verdict = (r.json["summary"] as? [String: Any])?["packetdrill"] as? [String: Any] ?? [:]
            #expect(verdict["verdict"] as? String == "fail" && verdict["line"] as? Int == 12)
            #expect(verdict["message"] as? String == "live packet field tcp_fin: expected: 1 (0x1) vs actual: 0 (0x0)")
        }
    }

    @Test func unsupportedOrInvalidScriptsAre422WithEveryLineAndStoreNothing() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let script = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 poll([{fd=3, events=POLLIN, revents=0}], 1, 0) = 0\n+0 < S 0:0(0)\n"
            let r = try curl("POST", port, "/api/runs", body: script, contentType: "text/x-packetdrill")
            #expect(r.status == 422 && r.header("Content-Type") == "application/problem+json")
            let errors = r.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["path"] as? String } == ["line 2", "line 3"])
            #expect(errors.map { $0["kind"] as? String } == ["unsupported", "syntax"])
            #expect(r.json["verdict"] as? String == "invalid")
            let list = try curl("GET", port, "/api/runs").json
            #expect((list["runs"] as? [Any])?.isEmpty == true)
        }
    }
}
