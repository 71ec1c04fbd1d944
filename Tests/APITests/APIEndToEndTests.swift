// The REST API over real loopback sockets, driven by curl(1), with a real SQLite file.
import Foundation
import HTTPCore
import JSONCore
import Store
import TCPSim
import Testing
import TraceFormats
@testable import API

@Suite(.serialized) struct APIEndToEndTests {
    /// The trace the simulator gives in-process for a catalogue scenario: what the API must store.
    static func localTrace(_ id: String, params: [String: String] = [:]) throws -> Trace {
        Simulation(scenario: try Catalogue.entry(id)!.scenario(params: params)).run()
    }

    @Test func catalogueInEnglishAndChinese() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let en = try curl("GET", port, "/api/scenarios")
            #expect(en.status == 200)
            #expect(en.header("Content-Language") == "en")
            let list = en.json["scenarios"] as? [[String: Any]] ?? []
            #expect(list.map { $0["id"] as? String ?? "" } == Catalogue.ids)
            let fourWay = list.first { $0["id"] as? String == "four-way-close" }
            #expect(fourWay?["title"] as? String == Catalogue.entry("four-way-close")!.title.en)

            let zh = try curl("GET", port, "/api/scenarios", headers: ["Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"])
            #expect(zh.header("Content-Language") == "zh-CN")
            #expect(zh.header("Vary") == "Accept-Language")
            let zhFirst = (zh.json["scenarios"] as? [[String: Any]])?.first
            #expect(zhFirst?["title"] as? String == Catalogue.all[0].title.zh)
            #expect(try curl("GET", port, "/api/scenarios?lang=zh").header("Content-Language") == "zh-CN")
            #expect(try curl("GET", port, "/api/scenarios", headers: ["Accept-Language: en;q=0.5, zh;q=0.4"]).header("Content-Language") == "en")

            let one = try curl("GET", port, "/api/scenarios/handshake-queues")
            #expect(one.status == 200)
            #expect((one.json["params"] as? [[String: Any]])?.contains { $0["name"] as? String == "backlog" } == true)
            #expect((one.json["scenario"] as? [String: Any])?["name"] as? String == "handshake-queues")
            #expect(one.json["description"] as? String == Catalogue.entry("handshake-queues")!.description.en)

            let missing = try curl("GET", port, "/api/scenarios/four-way-clse")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type") == "application/problem+json")
            #expect((missing.json["detail"] as? String)?.contains("four-way-close") == true)   // did you mean
        }
    }

    @Test func aCatalogueRunIsStoredAndServedInEveryForm() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let created = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#)
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            #expect(created.header("Location") == "/api/runs/\(id)")
            #expect((created.json["deleteToken"] as? String)?.count == 32)
            #expect(created.json["scenario"] as? String == "four-way-close")

            // The stored trace is the simulator's, byte for byte.
            let local = try Self.localTrace("four-way-close")
            let trace = try curl("GET", port, "/api/runs/\(id)/trace")
            #expect(trace.status == 200)
            #expect(Array(trace.body) == TraceJSON.bytes(local))
            let etag = try #require(trace.header("ETag"))
            #expect(try curl("GET", port, "/api/runs/\(id)/trace", headers: ["If-None-Match: \(etag)"]).status == 304)

            let summary = try curl("GET", port, "/api/runs/\(id)")
            #expect(summary.status == 200)
            #expect(summary.json["deleteToken"] == nil)   // shown once, at creation
            let counts = summary.json["summary"] as? [String: Any]
            #expect(counts?["segments"] as? Int == local.counters.segments)
            #expect(counts?["outcome"] as? String == "completed")

            // The ladder and the pcap come from re-running the stored scenario: the same run.
            let text = try curl("GET", port, "/api/runs/\(id)/trace.txt?lang=none")
            #expect(text.status == 200)
            #expect(text.text == TextLadder.render(local, notes: .none))
            let pcap = try curl("GET", port, "/api/runs/\(id)/trace.pcap")
            #expect(pcap.status == 200)
            #expect(pcap.header("Content-Type") == "application/vnd.tcpdump.pcap")
            #expect(Array(pcap.body) == Pcap.bytes(local))

            // The socket table at 30 ms: the handshake is half done (the client is ESTABLISHED at 40 ms).
            let sockets = try curl("GET", port, "/api/runs/\(id)/sockets?at=30ms")
            #expect(sockets.status == 200)
            let rows = sockets.json["rows"] as? [[String: Any]] ?? []
            let listener = Simulation(scenario: try Catalogue.entry("four-way-close")!.scenario(), snapshotsAt: [Instant(us: 30_000)]).run().snapshots[0]
            #expect(rows.map { $0["state"] as? String ?? "" } == listener.rows.map(\.state.rawValue))
            #expect(rows.contains { $0["state"] as? String == "SYN_SENT" })
            #expect(try curl("GET", port, "/api/runs/\(id)/sockets?at=30ms&format=text").text == SocketTableText.render(listener))
            #expect(try curl("GET", port, "/api/runs/\(id)/sockets").status == 400)
            #expect(try curl("GET", port, "/api/runs/\(id)/sockets?at=soon").status == 400)

            // The same scenario again: a new run, the same trace (served from the cache of recent results).
            let again = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#)
            let againId = try #require(again.json["id"] as? String)
            #expect(againId != id)
            #expect(Array(try curl("GET", port, "/api/runs/\(againId)/trace").body) == TraceJSON.bytes(local))

            #expect(try curl("GET", port, "/api/runs/nosuchrun").status == 404)
            #expect(try curl("GET", port, "/api/runs/nosuchrun/trace").status == 404)
            #expect(try curl("GET", port, "/api/runs/nosuchrun/trace.pcap").status == 404)
        }
    }

    @Test func paramsSeedAndSysctlsShapeTheRun() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let r = try curl("POST", port, "/api/runs", body: #"{"scenario": "handshake-queues", "params": {"backlog": 1, "clients": 4}, "seed": 7, "set": ["server.tcp_abort_on_overflow=1"]}"#)
            #expect(r.status == 201)
            #expect(r.json["seed"] as? Int == 7)
            let id = r.json["id"] as? String ?? ""
            let expected = Simulation(scenario: try Catalogue.entry("handshake-queues")!.scenario(params: ["backlog": "1", "clients": "4"])
                .overriding(sysctls: ["server.tcp_abort_on_overflow=1"], seed: 7)).run()
            #expect(Array(try curl("GET", port, "/api/runs/\(id)/trace").body) == TraceJSON.bytes(expected))
        }
    }

    @Test func invalidScenariosAre422WithEveryPathAndStoreNothing() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            var scenario = try Catalogue.entry("four-way-close")!.scenario().json.serialized()
            scenario = scenario.replacingOccurrences(of: #""call":"connect""#, with: #""call":"conect""#)
                .replacingOccurrences(of: #""backlog":8"#, with: #""backlog":-1"#)
            let bad = try curl("POST", port, "/api/runs", body: scenario)
            #expect(bad.status == 422)
            #expect(bad.header("Content-Type") == "application/problem+json")
            let errors = (bad.json["errors"] as? [[String: Any]] ?? []).map { ($0["path"] as? String ?? "", $0["message"] as? String ?? "") }
            #expect(errors.contains { $0.0 == "steps[5].call" && $0.1.contains("conect") && $0.1.contains("connect") })
            #expect(errors.contains { $0.0 == "steps[2].backlog" })

            let unknown = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-clos", "params": {"nope": 1}, "extra": true}"#)
            #expect(unknown.status == 422)
            let paths = (unknown.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(paths == ["extra", "scenario"])

            let param = try curl("POST", port, "/api/runs", body: #"{"scenario": "handshake-queues", "params": {"backlog": 100000, "colour": "red"}}"#)
            #expect(param.status == 422)
            let paramPaths = Set((param.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String })
            #expect(paramPaths == ["params.backlog", "params.colour"])

            let notJSON = try curl("POST", port, "/api/runs", body: "{scenario: four-way-close}")
            #expect(notJSON.status == 400)
            #expect((notJSON.json["detail"] as? String)?.contains("line 1, column 2") == true)
            #expect(try curl("POST", port, "/api/runs", body: "[1,2]").status == 422)

            let huge = "{\"scenario\": \"four-way-close\", \"pad\": \"" + String(repeating: "x", count: 1_100_000) + "\"}"
            #expect(try curl("POST", port, "/api/runs", body: huge).status == 413)

            let list = try curl("GET", port, "/api/runs")
            #expect((list.json["runs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func aRunOverItsBoundsIsRefusedAndNotStored() throws {
        let db = TempDatabase()
        var config = APIConfiguration()
        config.runLimits.simulation = SimulationLimits(maxEvents: 2_000, maxTraceEvents: 1_000_000)
        try withAPI(database: db, configuration: config) { port in
            let r = try curl("POST", port, "/api/runs", body: #"{"scenario": "bulk-transfer"}"#)
            #expect(r.status == 422)
            #expect((r.json["detail"] as? String)?.contains("2000 events") == true)
            #expect((try curl("GET", port, "/api/runs").json["runs"] as? [Any])?.isEmpty == true)
        }
        var wall = APIConfiguration()
        wall.runLimits.wallSeconds = 0.000_001
        try withAPI(database: db, configuration: wall) { port in
            let r = try curl("POST", port, "/api/runs", body: #"{"scenario": "bulk-transfer"}"#)
            #expect(r.status == 422)
            #expect((r.json["detail"] as? String)?.contains("wall time") == true)
        }
    }

    @Test func listingIsNewestFirstWithCursorsAndAFilter() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            var ids: [String] = []
            for s in ["four-way-close", "three-way-close", "four-way-close", "no-listen-rst", "four-way-close"] {
                ids.append(try curl("POST", port, "/api/runs", body: "{\"scenario\": \"\(s)\"}").json["id"] as? String ?? "")
            }
            let page1 = try curl("GET", port, "/api/runs?limit=2")
            #expect((page1.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String ?? "" } == [ids[4], ids[3]])
            let next = try #require(page1.json["next"] as? String)
            let page2 = try curl("GET", port, next)
            #expect((page2.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String ?? "" } == [ids[2], ids[1]])
            let page3 = try curl("GET", port, try #require(page2.json["next"] as? String))
            #expect((page3.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String ?? "" } == [ids[0]])
            #expect(page3.json["next"] is NSNull)

            let filtered = try curl("GET", port, "/api/runs?scenario=four-way-close&limit=2")
            #expect((filtered.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String ?? "" } == [ids[4], ids[2]])
            let rest = try curl("GET", port, try #require(filtered.json["next"] as? String))
            #expect((rest.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String ?? "" } == [ids[0]])

            #expect(try curl("GET", port, "/api/runs?limit=0").status == 400)
            #expect(try curl("GET", port, "/api/runs?limit=101").status == 400)
            #expect(try curl("GET", port, "/api/runs?cursor=abc").status == 400)
        }
    }

    @Test func deletingNeedsTheRunsTokenOrTheAdminToken() throws {
        let db = TempDatabase()
        var config = APIConfiguration()
        config.adminToken = "admin-secret"
        try withAPI(database: db, configuration: config) { port in
            let a = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#).json
            let b = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#).json
            let (idA, tokenA) = (a["id"] as? String ?? "", a["deleteToken"] as? String ?? "")
            let (idB, tokenB) = (b["id"] as? String ?? "", b["deleteToken"] as? String ?? "")

            #expect(try curl("GET", port, "/api/runs/\(idA)/trace").status == 200)   // its bytes are now cached
            let anonymous = try curl("DELETE", port, "/api/runs/\(idA)")
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try curl("DELETE", port, "/api/runs/\(idA)", headers: ["Authorization: Bearer \(tokenB)"]).status == 403)
            #expect(try curl("DELETE", port, "/api/runs/\(idA)", headers: ["Authorization: Bearer wrong"]).status == 403)

            #expect(try curl("DELETE", port, "/api/runs/\(idA)", headers: ["Authorization: Bearer \(tokenA)"]).status == 204)
            #expect(try curl("GET", port, "/api/runs/\(idA)").status == 404)
            #expect(try curl("GET", port, "/api/runs/\(idA)/trace").status == 404)
            #expect(try curl("DELETE", port, "/api/runs/\(idA)", headers: ["Authorization: Bearer \(tokenA)"]).status == 404)

            #expect(try curl("DELETE", port, "/api/runs/\(idB)", headers: ["Authorization: Bearer admin-secret"]).status == 204)
            #expect(try curl("GET", port, "/api/runs/\(idB)").status == 404)
        }
    }

    @Test func postsAreRateLimitedPerClient() throws {
        let db = TempDatabase()
        var config = APIConfiguration()
        config.rateLimitBurst = 2
        config.rateLimitPerMinute = 1
        try withAPI(database: db, configuration: config) { port in
            #expect(try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#).status == 201)
            #expect(try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#).status == 201)
            let limited = try curl("POST", port, "/api/runs", body: #"{"scenario": "four-way-close"}"#)
            #expect(limited.status == 429)
            let retry = Int(limited.header("Retry-After") ?? "") ?? 0
            #expect((55...60).contains(retry))
            #expect(try curl("GET", port, "/api/runs").status == 200)   // reads are not limited
        }
    }

    @Test func concurrentPostsAreAllStored() throws {
        let db = TempDatabase()
        var config = APIConfiguration()
        config.rateLimitBurst = 100
        try withAPI(database: db, configuration: config) { port in
            let statuses = Locked<[Int]>([])
            DispatchQueue.concurrentPerform(iterations: 12) { i in
                let s = (try? curl("POST", port, "/api/runs", body: "{\"scenario\": \"four-way-close\", \"seed\": \(i)}").status) ?? -1
                statuses.withLock { $0.append(s) }
            }
            #expect(statuses.withLock { $0 } == Array(repeating: 201, count: 12))
            let list = try curl("GET", port, "/api/runs?limit=100")
            let seeds = Set((list.json["runs"] as? [[String: Any]] ?? []).compactMap { $0["seed"] as? Int })
            #expect(seeds == Set(0..<12))
        }
    }

    @Test func runsSurviveARestartAndAreVisibleToOtherConnectionsAtOnce() throws {
        let db = TempDatabase()
        var id = ""
        try withAPI(database: db) { port in
            id = try curl("POST", port, "/api/runs", body: #"{"scenario": "no-listen-rst"}"#).json["id"] as? String ?? ""
            // Committed when answered: another connection to the file (another process, say) sees it.
            let other = try Database(path: db.path)
            #expect(try RunRepository(db: other).get(id)?.scenarioId == "no-listen-rst")
        }
        let again = try API(databasePath: db.path)
        #expect(again.appliedMigrations.isEmpty)
        try withAPI(database: db) { port in
            #expect(try curl("GET", port, "/api/runs/\(id)").status == 200)
            let expected = TraceJSON.bytes(try Self.localTrace("no-listen-rst"))
            #expect(Array(try curl("GET", port, "/api/runs/\(id)/trace").body) == expected)
        }
    }

    @Test func aRunStoredWithoutItsScenarioStillServesItsTraceAndSays410ForTheRest() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            // As a run stored before migration 0002 looks: its scenario column holds the default '{}'.
            let repo = RunRepository(db: try Database(path: db.path))
            try repo.insert(id: "old", scenarioId: "four-way-close", name: "four-way-close", seed: 1, createdAt: "2026-11-01T00:00:00Z",
                            summaryJSON: "{}", trace: Array(#"{"schemaVersion":1}"#.utf8), deleteTokenHash: "x")
            #expect(try curl("GET", port, "/api/runs/old/trace").text == #"{"schemaVersion":1}"#)
            let text = try curl("GET", port, "/api/runs/old/trace.txt")
            #expect(text.status == 410)
            #expect((text.json["detail"] as? String)?.contains("migration 0002") == true)
            #expect(try curl("GET", port, "/api/runs/old/trace.pcap").status == 410)
            #expect(try curl("GET", port, "/api/runs/old/sockets?at=1").status == 410)
        }
    }

    @Test func openAPIDescribesEveryRoute() throws {
        let db = TempDatabase()
        try withAPI(database: db) { port in
            let doc = try curl("GET", port, "/openapi.json")
            #expect(doc.status == 200)
            #expect(doc.json["openapi"] as? String == "3.1.0")
            let paths = doc.json["paths"] as? [String: [String: Any]] ?? [:]
            let routes: [(String, String)] = [
                ("/api/scenarios", "get"), ("/api/scenarios/{id}", "get"), ("/api/runs", "post"), ("/api/runs", "get"),
                ("/api/runs/{id}", "get"), ("/api/runs/{id}", "delete"), ("/api/runs/{id}/trace", "get"),
                ("/api/runs/{id}/trace.txt", "get"), ("/api/runs/{id}/trace.pcap", "get"), ("/api/runs/{id}/sockets", "get"),
                ("/openapi.json", "get"), ("/health", "get"),
            ]
            for (path, method) in routes { #expect(paths[path]?[method] != nil, "\(method) \(path) is not described") }
            // And nothing is described that the router does not serve.
            let described = paths.flatMap { p in p.value.keys.filter { $0 != "parameters" }.map { (p.key, $0) } }
            #expect(described.count == routes.count)
        }
    }

    /// `$OPENAPI_SPEC_VALIDATOR`, or `openapi-spec-validator` in /usr/local/bin or /usr/bin (.ci/run installs it).
    static let validator: String? = {
        let candidates = [ProcessInfo.processInfo.environment["OPENAPI_SPEC_VALIDATOR"], "/usr/local/bin/openapi-spec-validator", "/usr/bin/openapi-spec-validator"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(.enabled(if: validator != nil, "openapi-spec-validator not found (pip install openapi-spec-validator, or set OPENAPI_SPEC_VALIDATOR)"))
    func openAPIIsValid() throws {
        let path = NSTemporaryDirectory() + "tcplab-openapi-\(UInt32.random(in: 0...UInt32.max)).json"
        try Data(OpenAPIDocument.text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.validator!)
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
    }
}
