-- The collector's write-ahead spool in its heartbeat: writing, or why rows are held in memory only
-- (disk-full, at-limit: SPOOL_MAX_BYTES reached, failing: another write error), and its size on
-- disk. A spool that is not writing means a crash of that collector would lose rows.
ALTER TABLE collector_status ADD COLUMN IF NOT EXISTS spool_state text;
ALTER TABLE collector_status ADD COLUMN IF NOT EXISTS spool_bytes bigint;
