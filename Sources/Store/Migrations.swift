// The schema migrations, embedded so the binary finds them wherever it runs from. Each must be
// byte-for-byte the file of the same name in migrations/ (a test checks); applied migrations are
// never edited: a checksum in schema_migrations catches one that was.

/// One schema migration: its number, its name, and its SQL.
public struct Migration: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var sql: String

    public init(id: Int, name: String, sql: String) {
        self.id = id
        self.name = name
        self.sql = sql
    }

    /// migrations/NNNN_name.sql
    public var fileName: String {
        let n = String(id)
        return String(repeating: "0", count: max(0, 4 - n.count)) + n + "_" + name + ".sql"
    }

    /// FNV-1a 64 of the SQL, in hex: enough to notice an edited migration.
    public var checksum: String { FNV1a.hex(sql.utf8) }
}

public enum Migrations {
    public static let all: [Migration] = [
        Migration(id: 1, name: "create_runs", sql: #"""
-- Runs: one simulated scenario each, with its trace (the JSON contract, schemaVersion 1).
CREATE TABLE runs (
    id                TEXT PRIMARY KEY,              -- opaque, URL-safe
    scenario_id       TEXT,                          -- catalogue id, or NULL for a custom scenario
    name              TEXT NOT NULL,                 -- the scenario's name
    seed              INTEGER NOT NULL,
    created_at        TEXT NOT NULL,                 -- RFC 3339, UTC
    created_seq       INTEGER NOT NULL,              -- insertion order, for stable cursors
    summary           TEXT NOT NULL,                 -- the trace's summary object (JSON)
    trace             BLOB NOT NULL,                 -- the whole trace (JSON bytes)
    trace_etag        TEXT NOT NULL,                 -- strong validator of `trace`
    delete_token_hash TEXT NOT NULL                  -- FNV-1a of the token returned at creation
) STRICT;

CREATE INDEX runs_newest_first ON runs (created_seq DESC);
CREATE INDEX runs_by_scenario ON runs (scenario_id, created_seq DESC);

"""#),
        Migration(id: 2, name: "add_run_scenario", sql: #"""
-- The normalized scenario of each run (JSON), so the server can re-run it deterministically for
-- views the stored trace does not hold (the ladder text, the pcap, the socket table at any instant).
ALTER TABLE runs ADD COLUMN scenario TEXT NOT NULL DEFAULT '{}';

"""#),
        Migration(id: 3, name: "content_addressed_traces", sql: #"""
-- Each distinct trace is stored once, addressed by its entity tag, and runs point at it: the
-- simulator is deterministic, so a catalogue scenario run a thousand times has one trace, and
-- storing it once keeps the database (and its write-ahead log) small. An entity tag is FNV-1a 64
-- of the bytes; the store compares bytes before sharing, so a collision gets a tag of its own.
CREATE TABLE traces (
    etag  TEXT PRIMARY KEY,                          -- the trace's HTTP entity tag, quoted
    bytes BLOB NOT NULL                              -- the trace (JSON bytes)
) STRICT;

INSERT OR IGNORE INTO traces (etag, bytes) SELECT trace_etag, trace FROM runs;
ALTER TABLE runs DROP COLUMN trace;
CREATE INDEX runs_by_trace ON runs (trace_etag);

"""#),
    ]
}
