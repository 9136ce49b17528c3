-- Substring search in log lines (GET /logs?q=, the log viewer) by a trigram index, so a search
-- reads the lines that can match instead of every line in the range.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner, who runs the migrations
-- and is no superuser, may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Plain flavour: an index on the partitioned parent is created on every partition, present and
-- future. TimescaleDB: an index on the hypertable is created on every chunk; container_logs is not
-- compressed in this schema (a compressed chunk would not use it: see api/README.md "Log search").
-- GIN's pending list (fastupdate, the default) keeps the collector's batched inserts cheap.
CREATE INDEX IF NOT EXISTS container_logs_message_trgm ON container_logs USING gin (message gin_trgm_ops);
