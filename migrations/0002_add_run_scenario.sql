-- The normalized scenario of each run (JSON), so the server can re-run it deterministically for
-- views the stored trace does not hold (the ladder text, the pcap, the socket table at any instant).
ALTER TABLE runs ADD COLUMN scenario TEXT NOT NULL DEFAULT '{}';
