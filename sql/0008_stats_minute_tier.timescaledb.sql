-- A per-minute tier under the hourly rollup, so the fleet panels over the last hour read 60 rows per
-- container instead of 720 raw samples (issue 14): the same columns as the plain flavour's
-- container_stats_minute (sql/0008_stats_minute_tier.postgres.sql), here a real-time continuous
-- aggregate: minutes above its watermark are aggregated from raw rows at query time, and late rows
-- below it are picked up by the next refresh (TimescaleDB's invalidation log), every minute.

CREATE MATERIALIZED VIEW IF NOT EXISTS container_stats_minute
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
-- Integers summed as float8: exact below 2^53 (a minute of one container is far below), and cheaper
-- than sum(bigint)'s numeric accumulation.
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       host_id,
       container_id,
       count(*) AS samples,
       sum(cpu_percent) AS cpu_sum,
       count(cpu_percent) AS cpu_samples,
       max(cpu_percent) AS cpu_max,
       sum(mem_used_bytes::float8)::bigint AS mem_used_sum,
       count(mem_used_bytes) AS mem_used_samples,
       max(mem_used_bytes) AS mem_used_max,
       max(mem_limit_bytes) AS mem_limit_max,
       sum(mem_percent) AS mem_percent_sum,
       count(mem_percent) AS mem_percent_samples,
       sum(net_rx_delta::float8)::bigint AS net_rx_bytes,
       sum(net_tx_delta::float8)::bigint AS net_tx_bytes,
       sum(blk_read_delta::float8)::bigint AS blk_read_bytes,
       sum(blk_write_delta::float8)::bigint AS blk_write_bytes,
       max(pids) AS pids_max
FROM container_stats
GROUP BY 1, 2, 3
WITH NO DATA;

-- Refreshed every minute up to the newest minute; the window matches the hourly aggregate's
-- (0002), so dockpulse_apply_retention's check (raw kept longer than the window) covers it too.
-- The collector runs it when TimescaleDB's scheduler does not (collector/src/jobs/timescaledb-jobs.ts).
SELECT add_continuous_aggregate_policy('container_stats_minute',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute',
  schedule_interval => INTERVAL '1 minute', if_not_exists => true);

-- The minute tier serves only ranges raw rows serve (at most 30 days: the longest raw retention
-- Dockpulse is sized for), so it is not kept longer.
SELECT add_retention_policy('container_stats_minute', drop_after => INTERVAL '31 days', if_not_exists => true);

-- The plain flavour lists here the minutes whose tier rows are stale; the real-time aggregate needs
-- no such list. Empty, so the API's queries are the same on both flavours.
CREATE TABLE IF NOT EXISTS container_stats_dirty_minutes (
  bucket timestamptz PRIMARY KEY
);
