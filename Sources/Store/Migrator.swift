/// Why migrating failed.
public enum MigrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An applied migration's SQL changed since it was applied.
    case edited(id: Int, name: String, applied: String, now: String)
    /// The database has migrations this binary does not know (it is newer than the binary).
    case unknown(id: Int, name: String)
    case database(DatabaseError)

    public var description: String {
        switch self {
        case let .edited(id, name, applied, now):
            return "migration \(id) (\(name)) was edited after it was applied (checksum \(applied), now \(now)); add a new migration instead"
        case let .unknown(id, name):
            return "the database has migration \(id) (\(name)) that this binary does not know: it was written by a newer tcplab"
        case let .database(e):
            return e.description
        }
    }
}

/// Applies the embedded migrations in order, each in one immediate transaction together with the
/// row that records it (id, name, checksum, time).
public enum Migrator {
    /// Migrates `db`; returns the ids applied now. `now` is the RFC 3339 time to record.
    @discardableResult
    public static func migrate(_ db: Database, migrations: [Migration] = Migrations.all, now: String) throws(MigrationError) -> [Int] {
        do {
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL
                ) STRICT
                """)
            let rows = try db.prepare("SELECT id, name, checksum FROM schema_migrations ORDER BY id").rows()
            var applied: [Int: (String, String)] = [:]
            for r in rows {
                if let id = r[0].int, let name = r[1].text, let sum = r[2].text { applied[Int(id)] = (name, sum) }
            }
            for (id, (name, _)) in applied.sorted(by: { $0.key < $1.key }) where !migrations.contains(where: { $0.id == id }) {
                throw MigrationError.unknown(id: id, name: name)
            }
            var done: [Int] = []
            for m in migrations.sorted(by: { $0.id < $1.id }) {
                if let (_, sum) = applied[m.id] {
                    guard sum == m.checksum else { throw MigrationError.edited(id: m.id, name: m.name, applied: sum, now: m.checksum) }
                    continue
                }
                try db.transaction {
                    try db.execute(m.sql)
                    try db.prepare("INSERT INTO schema_migrations (id, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)")
                        .run([.integer(Int64(m.id)), .text(m.name), .text(m.checksum), .text(now)])
                }
                done.append(m.id)
            }
            return done
        } catch let e as MigrationError {
            throw e
        } catch let e as DatabaseError {
            throw .database(e)
        } catch {
            throw .database(DatabaseError(code: -1, message: "\(error)"))
        }
    }
}
