// A thin wrapper over the system libsqlite3: connections, prepared statements with bound
// parameters only, and typed errors that carry SQLite's extended result code, message and SQL.

import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An SQLite failure: the extended result code, SQLite's message and the statement that failed.
public struct DatabaseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (SQLITE_BUSY, SQLITE_CONSTRAINT, …) without the extended bits.
    public var primaryCode: Int32 { code & 0xFF }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " in `\($0)`" } ?? "")
    }
}

/// A value bound to or read from a statement.
public enum DatabaseValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// SQLITE_TRANSIENT: SQLite copies bound text and blobs before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Serializes the write transactions of the connections that share it, in this process. Without it,
/// a writer that finds the database locked waits in SQLite's busy handler, which sleeps 1, 2, 5, 10,
/// 15, 20, 25 … ms between tries (sqliteDefaultBusyCallback()): a few contended inserts become a
/// latency tail of tens of milliseconds. With it, the next writer wakes the moment the lock is free.
/// (Writers in other processes still meet the busy timeout.)
public final class WriteGate: @unchecked Sendable {
    // Sendable: a pthread mutex, only locked and unlocked.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    public init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

/// One connection (not shared between threads: give each thread its own).
public final class Database {
    let handle: OpaquePointer
    /// Shared by the connections of one process to one file (see `WriteGate`).
    public var writeGate: WriteGate?

    /// Opens (creating if needed) the database at `path` in WAL mode with foreign keys on and a
    /// busy timeout, so concurrent writers wait for each other instead of failing.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws(DatabaseError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // Opening sets up the connection while other connections may be writing: setting WAL mode
        // takes a lock, so it waits for them (up to 5 s) whatever timeout the caller asks for later
        // (a connection behind a WriteGate runs with none, and once met SQLITE_BUSY right here).
        sqlite3_busy_timeout(db, max(busyTimeoutMs, 5000))
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")   // WAL + NORMAL: durable at each checkpoint, safe on crash
        sqlite3_busy_timeout(db, busyTimeoutMs)
    }

    /// Prepared statements by SQL text, reused (each use rebinds and resets). A connection is used
    /// by one thread at a time, so the cache needs no lock.
    private var statements: [String: Statement] = [:]

    deinit {
        statements.removeAll()   // finalized before the connection closes
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> DatabaseError {
        DatabaseError(code: sqlite3_extended_errcode(handle) != 0 ? sqlite3_extended_errcode(handle) : rc,
                      message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs SQL without parameters (several statements allowed), such as a migration or a pragma.
    public func execute(_ sql: String) throws(DatabaseError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? "error"
            sqlite3_free(errmsg)
            throw DatabaseError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A prepared statement; its parameters are bound by position (1-based), never spliced into SQL.
    /// The same SQL gives the same (cached) statement, so finish stepping one before preparing its
    /// SQL again (`rows` and `run` always do).
    public func prepare(_ sql: String) throws(DatabaseError) -> Statement {
        if let cached = statements[sql] { return cached }
        let statement = try Statement(database: self, sql: sql)
        if statements.count >= 64 { statements.removeAll() }   // bounded: SQL built at run time cannot grow it
        statements[sql] = statement
        return statement
    }

    /// Runs `body` in one BEGIN IMMEDIATE … COMMIT transaction (rolled back if it throws).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        writeGate?.lock()
        defer { writeGate?.unlock() }
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement: prepared in init, finalized in deinit.
public final class Statement {
    /// Unowned: the database keeps its statements (a strong reference back would be a cycle).
    unowned let db: Database
    let handle: OpaquePointer
    public let sql: String

    init(database: Database, sql: String) throws(DatabaseError) {
        db = database
        self.sql = sql
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw database.error(rc, sql: sql) }
        handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds values to ?1, ?2, … (clearing earlier bindings) and resets the statement.
    public func bind(_ values: [DatabaseValue]) throws(DatabaseError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(handle, index)
            case let .integer(n): rc = sqlite3_bind_int64(handle, index, n)
            case let .real(d): rc = sqlite3_bind_double(handle, index, d)
            case let .text(s): rc = sqlite3_bind_text(handle, index, s, -1, transient)
            case let .blob(b):
                rc = b.withUnsafeBytes { sqlite3_bind_blob64(handle, index, $0.baseAddress, sqlite3_uint64($0.count), transient) }
            }
            guard rc == SQLITE_OK else { throw db.error(rc, sql: sql) }
        }
    }

    /// Advances: true when a row is available, false when done.
    @discardableResult
    public func step() throws(DatabaseError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw db.error(rc, sql: sql)
        }
    }

    /// Binds, runs to completion, and returns every row.
    public func rows(_ values: [DatabaseValue] = []) throws(DatabaseError) -> [[DatabaseValue]] {
        try bind(values)
        var out: [[DatabaseValue]] = []
        while try step() { out.append((0..<sqlite3_column_count(handle)).map(column)) }
        sqlite3_reset(handle)
        return out
    }

    /// Binds and runs a statement that returns no rows.
    public func run(_ values: [DatabaseValue] = []) throws(DatabaseError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    func column(_ i: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, i)))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard n > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}

extension DatabaseValue {
    public var int: Int64? { if case let .integer(v) = self { return v }; return nil }
    public var text: String? { if case let .text(v) = self { return v }; return nil }
    public var blob: [UInt8]? { if case let .blob(v) = self { return v }; return nil }
}
