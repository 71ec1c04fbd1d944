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
