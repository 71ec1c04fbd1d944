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
