-- The same schema as 0002_timeseries.timescaledb.sql, for TimescaleDB 2.18 and later: its columnstore
-- API (enable_columnstore, segmentby/orderby, add_columnstore_policy) in place of the compression API,
-- whose names 3.0 removes. The migration runner applies this variant where the server has 2.18+.
-- TimescaleDB flavour of the time-series tables (TimescaleDB 2.13+ syntax): hypertables with
-- 1-day chunks, the hourly rollup as a real-time continuous aggregate, the daily one as a
-- hierarchical continuous aggregate on it, compression and retention policies.
-- Names and columns match 0002_timeseries.postgres.sql, so the API has one set of queries.

CREATE TABLE IF NOT EXISTS container_stats (
  time              timestamptz NOT NULL,
  host_id           text NOT NULL,
  container_id      text NOT NULL,
  cpu_percent       double precision,
  mem_used_bytes    bigint,
  mem_usage_bytes   bigint,
  mem_limit_bytes   bigint,
  mem_percent       double precision,
  net_rx_bytes      bigint,
  net_tx_bytes      bigint,
  blk_read_bytes    bigint,
  blk_write_bytes   bigint,
  net_rx_delta      bigint,
  net_tx_delta      bigint,
  blk_read_delta    bigint,
  blk_write_delta   bigint,
  pids              integer,
  UNIQUE (host_id, container_id, time)
);
SELECT create_hypertable('container_stats', by_range('time', INTERVAL '1 day'), if_not_exists => true);
-- Columnstore settings can only be set while no chunk is converted, so only when not yet enabled:
-- the file stays safe to run again.
DO $$
BEGIN
  IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
          WHERE hypertable_schema = current_schema() AND hypertable_name = 'container_stats') THEN
    ALTER TABLE container_stats SET (
      timescaledb.enable_columnstore,
      timescaledb.segmentby = 'host_id, container_id',
      timescaledb.orderby = 'time DESC'
    );
  END IF;
END $$;
CALL add_columnstore_policy('container_stats', after => INTERVAL '1 day', if_not_exists => true);

CREATE TABLE IF NOT EXISTS container_logs (
  time          timestamptz NOT NULL,
  host_id       text NOT NULL,
  container_id  text NOT NULL,
  stream        text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  seq           integer NOT NULL DEFAULT 0,
  message       text NOT NULL,
  UNIQUE (host_id, container_id, time, stream, seq)
);
SELECT create_hypertable('container_logs', by_range('time', INTERVAL '1 day'), if_not_exists => true);
-- create_hypertable adds a (time DESC) index by default.

CREATE TABLE IF NOT EXISTS container_events (
  time            timestamptz NOT NULL,
  time_nano       bigint NOT NULL,
  host_id         text NOT NULL,
  container_id    text NOT NULL,
  container_name  text,
  image           text,
  action          text NOT NULL,
  exit_code       integer,
  attributes      jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (host_id, container_id, time, action, time_nano)
);
SELECT create_hypertable('container_events', by_range('time', INTERVAL '1 day'), if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS container_stats_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
       host_id,
       container_id,
       count(*) AS samples,
       sum(cpu_percent) AS cpu_sum,
       max(cpu_percent) AS cpu_max,
       sum(mem_used_bytes)::bigint AS mem_used_sum,
       max(mem_used_bytes) AS mem_used_max,
       max(mem_limit_bytes) AS mem_limit_max,
       sum(net_rx_delta)::bigint AS net_rx_bytes,
       sum(net_tx_delta)::bigint AS net_tx_bytes,
       sum(blk_read_delta)::bigint AS blk_read_bytes,
       sum(blk_write_delta)::bigint AS blk_write_bytes,
       max(pids) AS pids_max
FROM container_stats
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('container_stats_hourly',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour',
  schedule_interval => INTERVAL '15 minutes', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS container_stats_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', bucket) AS bucket,
       host_id,
       container_id,
       sum(samples)::bigint AS samples,
       sum(cpu_sum) AS cpu_sum,
       max(cpu_max) AS cpu_max,
       sum(mem_used_sum)::bigint AS mem_used_sum,
       max(mem_used_max) AS mem_used_max,
       max(mem_limit_max) AS mem_limit_max,
       sum(net_rx_bytes)::bigint AS net_rx_bytes,
       sum(net_tx_bytes)::bigint AS net_tx_bytes,
       sum(blk_read_bytes)::bigint AS blk_read_bytes,
       sum(blk_write_bytes)::bigint AS blk_write_bytes,
       max(pids_max) AS pids_max
FROM container_stats_hourly
GROUP BY 1, 2, 3
WITH NO DATA;

SELECT add_continuous_aggregate_policy('container_stats_daily',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 day',
  schedule_interval => INTERVAL '1 hour', if_not_exists => true);

-- The continuous aggregates keep themselves current; nothing to roll up by hand.
CREATE OR REPLACE FUNCTION dockpulse_rollup(p_max_hours integer DEFAULT 2000) RETURNS integer
LANGUAGE sql AS $$ SELECT 0 $$;

-- Chunks are created on insert; nothing to prepare.
CREATE OR REPLACE FUNCTION dockpulse_prepare_partitions(p_days_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE sql AS $$ SELECT 0 $$;

-- Retention as policies, in the same call shape as the plain flavour. Idempotent: a policy that
-- already drops after the interval asked for is left alone; one with another interval is replaced.
-- Returns how many policies were added or replaced. Continuous aggregates' policies are listed in
-- timescaledb_information.jobs under the view's own name.
-- A source must be kept longer than the refresh window of the aggregate built on it: refreshing
-- over dropped raw data would delete the aggregate's rows for it, so such a setting is refused.
CREATE OR REPLACE FUNCTION dockpulse_apply_retention(
  p_raw interval, p_hourly interval, p_daily interval, p_logs interval, p_events interval)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_changed integer := 0;
  v_item record;
  v_current text;
BEGIN
  FOR v_item IN
    SELECT j.hypertable_name AS agg, (j.config ->> 'start_offset')::interval AS win,
           CASE j.hypertable_name WHEN 'container_stats_hourly' THEN p_raw ELSE p_hourly END AS keep
    FROM timescaledb_information.jobs j
    WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND j.hypertable_schema = current_schema()
      AND j.hypertable_name IN ('container_stats_hourly', 'container_stats_daily')
  LOOP
    IF v_item.keep <= v_item.win THEN
      RAISE EXCEPTION 'retention % of the source of % must be longer than its refresh window (%)',
        v_item.keep, v_item.agg, v_item.win;
    END IF;
  END LOOP;

  FOR v_item IN
    SELECT * FROM (VALUES ('container_stats', p_raw), ('container_stats_hourly', p_hourly),
                          ('container_stats_daily', p_daily), ('container_logs', p_logs),
                          ('container_events', p_events)) AS t(rel, keep)
  LOOP
    SELECT j.config ->> 'drop_after' INTO v_current
    FROM timescaledb_information.jobs j
    WHERE j.proc_name = 'policy_retention'
      AND j.hypertable_schema = current_schema() AND j.hypertable_name = v_item.rel;
    -- compared as text of the interval, so '1 mon' and '30 days' count as different
    IF v_current IS NULL OR v_current::interval::text <> v_item.keep::text THEN
      PERFORM remove_retention_policy(v_item.rel::regclass, if_exists => true);
      PERFORM add_retention_policy(v_item.rel::regclass, drop_after => v_item.keep);
      v_changed := v_changed + 1;
    END IF;
  END LOOP;
  RETURN v_changed;
END $$;

SELECT dockpulse_apply_retention(INTERVAL '7 days', INTERVAL '90 days', INTERVAL '3 years',
                                 INTERVAL '7 days', INTERVAL '90 days');
