/// A stored run without its trace.
public struct StoredRun: Sendable, Equatable {
    public var id: String
    public var scenarioId: String?
    public var name: String
    public var seed: Int64
    public var createdAt: String
    /// The trace's summary object, as JSON text.
    public var summary: String
    public var traceEtag: String
    /// Insertion order: the cursor for listing newest first.
    public var sequence: Int64
}

/// Runs and their traces in the `runs` table (migrations/0001_create_runs.sql).
public final class RunRepository {
    public let db: Database

    public init(db: Database) { self.db = db }

    /// A strong validator for trace bytes: FNV-1a 64 in hex, quoted as an HTTP entity tag.
    public static func etag(_ bytes: [UInt8]) -> String {
        "\"" + FNV1a.hex(bytes) + "\""
    }

    /// Stores a run in one transaction; returns it as stored. Nothing is written if anything fails.
    /// Its trace is shared with earlier runs that have the same bytes (migration 0003).
    @discardableResult
    public func insert(id: String, scenarioId: String?, name: String, seed: UInt64, createdAt: String,
                       summaryJSON: String, trace: [UInt8], deleteTokenHash: String, scenarioJSON: String = "{}") throws -> StoredRun {
        try db.transaction {
            let next = try db.prepare("SELECT COALESCE(MAX(created_seq), 0) + 1 FROM runs").rows().first?.first?.int ?? 1
            var etag = RunRepository.etag(trace)
            if let existing = try traceBytes(etag: etag) {
                if existing != trace {
                    // Same 64-bit tag, other bytes: a tag of its own, still a valid entity tag.
                    etag = String(etag.dropLast()) + "-" + id + "\""
                    try db.prepare("INSERT INTO traces (etag, bytes) VALUES (?1, ?2)").run([.text(etag), .blob(trace)])
                }
            } else {
                try db.prepare("INSERT INTO traces (etag, bytes) VALUES (?1, ?2)").run([.text(etag), .blob(trace)])
            }
            try db.prepare("""
                INSERT INTO runs (id, scenario_id, name, seed, created_at, created_seq, summary, trace_etag, delete_token_hash, scenario)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """).run([.text(id), scenarioId.map(DatabaseValue.text) ?? .null, .text(name), .integer(Int64(bitPattern: seed)),
                          .text(createdAt), .integer(next), .text(summaryJSON), .text(etag), .text(deleteTokenHash), .text(scenarioJSON)])
            return StoredRun(id: id, scenarioId: scenarioId, name: name, seed: Int64(bitPattern: seed), createdAt: createdAt,
                             summary: summaryJSON, traceEtag: etag, sequence: next)
        }
    }

    static let columns = "id, scenario_id, name, seed, created_at, summary, trace_etag, created_seq"

    static func run(_ r: [DatabaseValue]) -> StoredRun {
        StoredRun(id: r[0].text ?? "", scenarioId: r[1].text, name: r[2].text ?? "", seed: r[3].int ?? 0, createdAt: r[4].text ?? "",
                  summary: r[5].text ?? "{}", traceEtag: r[6].text ?? "", sequence: r[7].int ?? 0)
    }

    public func get(_ id: String) throws(DatabaseError) -> StoredRun? {
        try db.prepare("SELECT \(RunRepository.columns) FROM runs WHERE id = ?1").rows([.text(id)]).first.map(RunRepository.run)
    }

    /// The entity tag of a run's trace (nil: no such run).
    public func traceEtag(_ id: String) throws(DatabaseError) -> String? {
        try db.prepare("SELECT trace_etag FROM runs WHERE id = ?1").rows([.text(id)]).first?.first?.text
    }

    /// The bytes a trace tag names.
    public func traceBytes(etag: String) throws(DatabaseError) -> [UInt8]? {
        try db.prepare("SELECT bytes FROM traces WHERE etag = ?1").rows([.text(etag)]).first?.first?.blob
    }

    /// The trace bytes and their entity tag.
    public func trace(_ id: String) throws(DatabaseError) -> (bytes: [UInt8], etag: String)? {
        guard let r = try db.prepare("""
            SELECT t.bytes, r.trace_etag FROM runs r JOIN traces t ON t.etag = r.trace_etag WHERE r.id = ?1
            """).rows([.text(id)]).first else { return nil }
        return (r[0].blob ?? [], r[1].text ?? "")
    }

    /// Newest first, `limit` at a time, after the cursor (a `sequence`), optionally for one scenario id.
    /// Returns the page and the cursor of the next page (nil at the end).
    public func list(limit: Int, before cursor: Int64? = nil, scenarioId: String? = nil) throws(DatabaseError) -> ([StoredRun], Int64?) {
        let rows = try db.prepare("""
            SELECT \(RunRepository.columns) FROM runs
            WHERE (?1 IS NULL OR created_seq < ?1) AND (?2 IS NULL OR scenario_id = ?2)
            ORDER BY created_seq DESC LIMIT ?3
            """).rows([cursor.map(DatabaseValue.integer) ?? .null, scenarioId.map(DatabaseValue.text) ?? .null, .integer(Int64(limit + 1))])
        let page = rows.prefix(limit).map(RunRepository.run)
        return (Array(page), rows.count > limit ? page.last?.sequence : nil)
    }

    /// The run's normalized scenario JSON (migration 0002), to re-run it.
    public func scenarioJSON(_ id: String) throws(DatabaseError) -> String? {
        try db.prepare("SELECT scenario FROM runs WHERE id = ?1").rows([.text(id)]).first?.first?.text
    }

    public func deleteTokenHash(_ id: String) throws(DatabaseError) -> String? {
        try db.prepare("SELECT delete_token_hash FROM runs WHERE id = ?1").rows([.text(id)]).first?.first?.text
    }

    /// Deletes a run, and its trace when no other run shares it; true if the run existed.
    @discardableResult
    public func delete(_ id: String) throws -> Bool {
        try db.transaction {
            guard let etag = try db.prepare("SELECT trace_etag FROM runs WHERE id = ?1").rows([.text(id)]).first?.first?.text else { return false }
            try db.prepare("DELETE FROM runs WHERE id = ?1").run([.text(id)])
            try db.prepare("DELETE FROM traces WHERE etag = ?1 AND NOT EXISTS (SELECT 1 FROM runs WHERE trace_etag = ?1)").run([.text(etag)])
            return true
        }
    }

    /// Distinct traces stored (shared traces count once).
    public func traceCount() throws(DatabaseError) -> Int {
        Int(try db.prepare("SELECT COUNT(*) FROM traces").rows().first?.first?.int ?? 0)
    }

}
