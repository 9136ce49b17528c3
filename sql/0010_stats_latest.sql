-- Each container's newest sample, whole, in a table of its own (issue 14: TimescaleDB's compressed
-- raw stats ≤ 25 B a sample). From this migration on the collector stores six columns of
-- container_stats only here, and NULL in the history (collector/src/writer/tables.ts,
-- LATEST_ONLY_STATS_COLUMNS):
-- - the engine's cumulative counters net_rx_bytes, net_tx_bytes, blk_read_bytes, blk_write_bytes:
--   the history keeps their per-sample deltas, which every rate and rollup sums;
-- - mem_usage_bytes, the usage with page cache: no panel or rollup reads it;
-- - mem_percent, which is mem_used_bytes / mem_limit_bytes x 100 (the API computes it so).
-- On TimescaleDB they were 18 of the 43 compressed bytes of a sample (bench/README, "Session 6"):
-- a column of NULLs costs about nothing there. In a plain heap row each is 8 B less.
-- Rows stored before this migration keep all their columns.
-- What reads the newest sample (latest stats, /metrics, the live stream) reads this table: one row
-- per container, where the history needed an index probe through every chunk or partition.
-- The collector upserts it in the transaction that stores the history (newer rows only, so a
-- replayed spool leaves it alone). Collectors from before this migration still write whole rows to
-- container_stats; a trigger keeps this table for them (0011).

-- The columns of container_stats, in its order (a table in TimescaleDB, a view in plain PostgreSQL,
-- 0009), so that a row of it is a container_stats row.
CREATE TABLE container_stats_latest (
  LIKE container_stats,
  PRIMARY KEY (host_id, container_id)
-- Every row is updated every stats cycle; with room on its page the update is HOT (no indexed
-- column changes), so the table and its key stay the size of the fleet.
) WITH (fillfactor = 50);
ALTER TABLE container_stats_latest ALTER COLUMN time SET NOT NULL;

-- Seeded with every container's newest stored sample, by the function of 0009 (one backward index
-- probe per container) before it is replaced.
INSERT INTO container_stats_latest
SELECT l.* FROM (SELECT DISTINCT host_id, container_id FROM container_info) ci
 CROSS JOIN LATERAL dockpulse_latest_stats(ci.host_id, ci.container_id) l;

-- The newest sample of a container given to container_stats_latest, unless a newer one is there.
-- A trigger function (0011 fires it for whole rows written to container_stats by older collectors).
CREATE FUNCTION dockpulse_keep_latest_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO container_stats_latest AS l SELECT NEW.*
  ON CONFLICT (host_id, container_id) DO UPDATE SET
    time = EXCLUDED.time, cpu_percent = EXCLUDED.cpu_percent, mem_used_bytes = EXCLUDED.mem_used_bytes,
    mem_usage_bytes = EXCLUDED.mem_usage_bytes, mem_limit_bytes = EXCLUDED.mem_limit_bytes,
    mem_percent = EXCLUDED.mem_percent, net_rx_bytes = EXCLUDED.net_rx_bytes, net_tx_bytes = EXCLUDED.net_tx_bytes,
    blk_read_bytes = EXCLUDED.blk_read_bytes, blk_write_bytes = EXCLUDED.blk_write_bytes,
    net_rx_delta = EXCLUDED.net_rx_delta, net_tx_delta = EXCLUDED.net_tx_delta,
    blk_read_delta = EXCLUDED.blk_read_delta, blk_write_delta = EXCLUDED.blk_write_delta, pids = EXCLUDED.pids
  WHERE EXCLUDED.time > l.time;
  RETURN NEW;
END $$;

-- A container's newest sample since p_since (NULL: any time), as a container_stats row: now the
-- table's row. Same signature as 0009's, so the API's calls are unchanged.
CREATE OR REPLACE FUNCTION dockpulse_latest_stats(p_host_id text, p_container_id text, p_since timestamptz DEFAULT NULL)
RETURNS SETOF container_stats
LANGUAGE sql STABLE AS $$
  SELECT l.*
    FROM container_stats_latest l
   WHERE l.host_id = p_host_id AND l.container_id = p_container_id AND l.time > coalesce(p_since, '-infinity')
$$;
