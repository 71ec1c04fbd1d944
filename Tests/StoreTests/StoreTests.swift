import Foundation
import Store
import Testing

/// The store on a real SQLite file in a temporary directory.
@Suite struct StoreTests {
    static func tempPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tcplab-store-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("test.sqlite").path
    }

    static func migrated(_ path: String = tempPath()) throws -> Database {
        let db = try Database(path: path)
        try Migrator.migrate(db, now: "2026-11-24T00:00:00Z")
        return db
    }

    // Every embedded migration is byte-for-byte its file in migrations/.
    @Test func embeddedMigrationsMatchTheFiles() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migrations.all.map(\.fileName))
        for m in Migrations.all {
            let text = try String(contentsOf: dir.appendingPathComponent(m.fileName), encoding: .utf8)
            #expect(text == m.sql, "\(m.fileName) differs from its embedded copy")
        }
    }

    @Test func migrationsApplyOnceAndAreRecorded() throws {
        let path = Self.tempPath()
        let db = try Database(path: path)
        #expect(try Migrator.migrate(db, now: "t0") == [1, 2, 3])
        #expect(try Migrator.migrate(db, now: "t1") == [])
        let rows = try db.prepare("SELECT id, name, checksum FROM schema_migrations").rows()
        #expect(rows.count == 3)
        #expect(rows[0][2].text == Migrations.all[0].checksum)
        #expect(rows[1][2].text == Migrations.all[1].checksum)
        #expect(rows[2][2].text == Migrations.all[2].checksum)
        #expect(try db.prepare("PRAGMA journal_mode").rows().first?.first?.text == "wal")
    }

    @Test func anEditedMigrationIsCaught() throws {
        let db = try Self.migrated()
        var edited = Migrations.all
        edited[0].sql += "\n-- changed"
        #expect(throws: MigrationError.self) { try Migrator.migrate(db, migrations: edited, now: "t") }
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let db = try Database(path: Self.tempPath())
        let bad = [Migration(id: 1, name: "bad", sql: "CREATE TABLE a (x INTEGER); CREATE TABLE oops (")]
        #expect(throws: MigrationError.self) { try Migrator.migrate(db, migrations: bad, now: "t") }
        #expect(try db.prepare("SELECT count(*) FROM schema_migrations").rows().first?.first?.int == 0)
        #expect(try db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'a'").rows().first?.first?.int == 0)
    }

    @Test func runsInsertGetListDelete() throws {
        let repo = RunRepository(db: try Self.migrated())
        for i in 1...5 {
            try repo.insert(id: "r\(i)", scenarioId: i % 2 == 0 ? "four-way-close" : nil, name: "n\(i)", seed: UInt64(i),
                            createdAt: "2026-11-24T00:00:0\(i)Z", summaryJSON: "{\"n\":\(i)}", trace: Array("trace \(i)".utf8),
                            deleteTokenHash: "h\(i)")
        }
        #expect(try repo.get("r3")?.summary == "{\"n\":3}")
        #expect(try repo.trace("r3").map { String(decoding: $0.bytes, as: UTF8.self) } == "trace 3")
        #expect(try repo.trace("r3")?.etag == RunRepository.etag(Array("trace 3".utf8)))
        let (page1, next) = try repo.list(limit: 2)
        #expect(page1.map(\.id) == ["r5", "r4"])
        let (page2, next2) = try repo.list(limit: 2, before: next)
        #expect(page2.map(\.id) == ["r3", "r2"])
        let (page3, end) = try repo.list(limit: 2, before: next2)
        #expect(page3.map(\.id) == ["r1"] && end == nil)
        #expect(try repo.list(limit: 10, scenarioId: "four-way-close").0.map(\.id) == ["r4", "r2"])
        #expect(try repo.delete("r3"))
        #expect(try repo.get("r3") == nil)
        #expect(try !repo.delete("r3"))
    }

    @Test func identicalTracesAreStoredOnceAndFreedWithTheirLastRun() throws {
        let repo = RunRepository(db: try Self.migrated())
        let trace = Array(#"{"schemaVersion":1,"events":[]}"#.utf8)
        for id in ["a", "b", "c"] {
            try repo.insert(id: id, scenarioId: "four-way-close", name: "n", seed: 1, createdAt: "t", summaryJSON: "{}", trace: trace, deleteTokenHash: "h")
        }
        try repo.insert(id: "d", scenarioId: nil, name: "n", seed: 2, createdAt: "t", summaryJSON: "{}", trace: Array("other".utf8), deleteTokenHash: "h")
        #expect(try repo.traceCount() == 2)
        #expect(try repo.trace("b")?.bytes == trace)
        #expect(try repo.delete("a") && repo.delete("b"))
        #expect(try repo.traceCount() == 2)            // c still uses it
        #expect(try repo.trace("c")?.bytes == trace)
        #expect(try repo.delete("c"))
        #expect(try repo.traceCount() == 1)            // the last run that used it is gone
    }

    @Test func aTagCollisionGetsATagOfItsOwn() throws {
        let db = try Self.migrated()
        let repo = RunRepository(db: db)
        let trace = Array("mine".utf8)
        // Another trace already holds this tag (as a 64-bit collision would).
        try db.prepare("INSERT INTO traces (etag, bytes) VALUES (?1, ?2)").run([.text(RunRepository.etag(trace)), .blob(Array("theirs".utf8))])
        let run = try repo.insert(id: "x", scenarioId: nil, name: "n", seed: 1, createdAt: "t", summaryJSON: "{}", trace: trace, deleteTokenHash: "h")
        #expect(run.traceEtag == String(RunRepository.etag(trace).dropLast()) + "-x\"")
        #expect(try repo.trace("x")?.bytes == trace)
        #expect(try repo.trace("x")?.etag == run.traceEtag)
    }

    @Test func migration3MovesExistingTracesIntoTheirOwnTable() throws {
        let db = try Database(path: Self.tempPath())
        #expect(try Migrator.migrate(db, migrations: Array(Migrations.all.prefix(2)), now: "t") == [1, 2])
        for (id, text) in [("a", "same"), ("b", "same"), ("c", "other")] {
            try db.prepare("""
                INSERT INTO runs (id, scenario_id, name, seed, created_at, created_seq, summary, trace, trace_etag, delete_token_hash)
                VALUES (?1, NULL, 'n', 1, 't', ?2, '{}', ?3, ?4, 'h')
                """).run([.text(id), .integer(Int64(id.unicodeScalars.first!.value)), .blob(Array(text.utf8)), .text(RunRepository.etag(Array(text.utf8)))])
        }
        #expect(try Migrator.migrate(db, now: "t") == [3])
        let repo = RunRepository(db: db)
        #expect(try repo.traceCount() == 2)
        #expect(try repo.trace("b")?.bytes == Array("same".utf8))
        #expect(try repo.trace("c")?.bytes == Array("other".utf8))
    }

    @Test func errorsCarryCodeMessageAndSQL() throws {
        let repo = RunRepository(db: try Self.migrated())
        try repo.insert(id: "dup", scenarioId: nil, name: "a", seed: 1, createdAt: "t", summaryJSON: "{}", trace: [], deleteTokenHash: "h")
        do {
            try repo.insert(id: "dup", scenarioId: nil, name: "a", seed: 1, createdAt: "t", summaryJSON: "{}", trace: [], deleteTokenHash: "h")
            Issue.record("expected a constraint error")
        } catch let e as DatabaseError {
            #expect(e.primaryCode == 19)   // SQLITE_CONSTRAINT
            #expect(e.code == 1555)         // SQLITE_CONSTRAINT_PRIMARYKEY
            #expect(e.sql?.contains("INSERT INTO runs") == true)
        }
    }

    // WAL and the busy timeout: writers on separate connections to one file, at once, lose nothing.
    @Test func concurrentWritersAllSucceed() async throws {
        let path = Self.tempPath()
        _ = try Self.migrated(path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    let repo = RunRepository(db: try Database(path: path))
                    for i in 0..<25 {
                        try repo.insert(id: "w\(w)-\(i)", scenarioId: nil, name: "x", seed: 0, createdAt: "t", summaryJSON: "{}",
                                        trace: [UInt8](repeating: 7, count: 1000), deleteTokenHash: "h")
                    }
                }
            }
            try await group.waitForAll()
        }
        let (all, _) = try RunRepository(db: try Database(path: path)).list(limit: 1000)
        #expect(all.count == 100)
        #expect(Set(all.map(\.sequence)).count == 100)
    }

    // Connections sharing a WriteGate never meet a locked database: with no busy timeout at all
    // (SQLITE_BUSY at the first conflict), four threads' 100 inserts all commit.
    @Test func writersSharingAGateNeverSeeBusy() async throws {
        let path = Self.tempPath()
        _ = try Self.migrated(path)
        let gate = WriteGate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    let db = try Database(path: path, busyTimeoutMs: 0)
                    db.writeGate = gate
                    let repo = RunRepository(db: db)
                    for i in 0..<25 {
                        try repo.insert(id: "g\(w)-\(i)", scenarioId: nil, name: "x", seed: 0, createdAt: "t", summaryJSON: "{}",
                                        trace: [UInt8](repeating: UInt8(w), count: 1000), deleteTokenHash: "h")
                    }
                }
            }
            try await group.waitForAll()
        }
        let (all, _) = try RunRepository(db: try Database(path: path)).list(limit: 1000)
        #expect(all.count == 100)
    }

    // A committed run is on disk: a second connection (as after a crash and restart) sees it.
    @Test func committedRunsSurviveReopening() throws {
        let path = Self.tempPath()
        do {
            let repo = RunRepository(db: try Self.migrated(path))
            try repo.insert(id: "kept", scenarioId: nil, name: "a", seed: 1, createdAt: "t", summaryJSON: "{}", trace: [1, 2, 3], deleteTokenHash: "h")
        }
        let again = RunRepository(db: try Self.migrated(path))
        #expect(try again.trace("kept")?.bytes == [1, 2, 3])
    }
}
