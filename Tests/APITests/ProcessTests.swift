// The `tcplab serve` binary as a user runs it: started on an ephemeral port with a SQLite file,
// killed with SIGKILL right after a 201, and started again on the same file.
import Foundation
import Store
import Testing

@Suite struct ServeProcessTests {
    /// The debug binary `swift test` builds beside the tests.
    static let binary: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/debug/tcplab").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Starts `tcplab serve --port 0` and reads the port from its "listening on" log line.
    static func start(db: String) throws -> (Process, Int) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = ["serve", "--port", "0", "--db", db, "--log-level", "notice"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: "listening on http://127.0.0.1:") {
                let digits = seen[r.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return (p, port) }
            }
        }
        p.terminate()
        throw CurlFailure(description: "tcplab serve did not start: \(seen)")
    }

    @Test(.enabled(if: binary != nil, "the tcplab binary is not built (.build/debug/tcplab)"))
    func aRunAnswered201SurvivesSIGKILL() throws {
        let db = TempDatabase()
        let (first, port) = try Self.start(db: db.path)
        let created = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#)
        kill(first.processIdentifier, SIGKILL)   // the next instant: no shutdown, no checkpoint
        first.waitUntilExit()
        #expect(created.status == 201)
        let id = try #require(created.json["id"] as? String)

        let (second, port2) = try Self.start(db: db.path)
        defer { second.terminate(); second.waitUntilExit() }
        let run = try curl("GET", port2, "/api/runs/\(id)")
        #expect(run.status == 200)
        #expect(run.json["scenario"] as? String == "four-way-close")
        let health = try curl("GET", port2, "/health")
        #expect((health.json["database"] as? [String: Any])?["schemaVersion"] as? Int == Int(Migrations.all.count))
        #expect((health.json["database"] as? [String: Any])?["ok"] as? Bool == true)
    }
}
