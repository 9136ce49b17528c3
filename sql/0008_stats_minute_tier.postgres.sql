-- A per-minute tier under the hourly rollup, so the fleet panels over the last hour read 60 rows per
-- container instead of 720 raw samples (issue 14): container_stats_minute per container, and
-- container_stats_host_slots with one row per host and 5 s sample slot for per-host series.
-- Both are kept by dockpulse_rollup() from the minutes the raw rows' trigger marks dirty; the
-- hourly table is now rolled up from the minute tier, the daily one from the hourly as before.
-- The API reads a dirty minute from raw rows (api/src/stats/store.ts), so an answer never waits
-- for the rollup: the newest minute, and a minute that received late rows (a spool replayed after
-- an outage) since its last rollup, come from raw until the next run.

-- Counts of non-NULL values beside each average's sum, so an average over minutes equals avg() over
-- the raw rows (a container's first sample has no CPU %).
CREATE TABLE IF NOT EXISTS container_stats_minute (
  bucket               timestamptz NOT NULL,
  host_id              text NOT NULL,
  container_id         text NOT NULL,
  samples              bigint NOT NULL,
  cpu_sum              double precision,
  cpu_samples          bigint NOT NULL,
  cpu_max              double precision,
  mem_used_sum         bigint,
  mem_used_samples     bigint NOT NULL,
  mem_used_max         bigint,
  mem_limit_max        bigint,
  mem_percent_sum      double precision,
  mem_percent_samples  bigint NOT NULL,
  net_rx_bytes         bigint,
  net_tx_bytes         bigint,
  blk_read_bytes       bigint,
  blk_write_bytes      bigint,
  pids_max             integer,
  PRIMARY KEY (host_id, container_id, bucket)
);
CREATE INDEX IF NOT EXISTS container_stats_minute_bucket_idx ON container_stats_minute (bucket);

-- Per host and 5 s slot (date_bin from the epoch, as the API bins): each container's average in the
-- slot first, then summed over the host's containers, which is what groupBy=host draws at 5 s
-- buckets (a host's memory is the sum of its containers' averages). *_containers count the
-- containers with a value, for the averaged metrics.
CREATE TABLE IF NOT EXISTS container_stats_host_slots (
  slot                    timestamptz NOT NULL,
  host_id                 text NOT NULL,
  cpu_avg_sum             double precision,
  cpu_containers          integer NOT NULL,
  mem_used_avg_sum        double precision,
  mem_percent_avg_sum     double precision,
  mem_percent_containers  integer NOT NULL,
  net_rx_bytes            bigint,
  net_tx_bytes            bigint,
  blk_read_bytes          bigint,
  blk_write_bytes         bigint,
  pids_max_sum            bigint,
  PRIMARY KEY (host_id, slot)
);
CREATE INDEX IF NOT EXISTS container_stats_host_slots_slot_idx ON container_stats_host_slots (slot);

-- Minutes that received raw rows since their last rollup. It replaces the dirty hours: an hour is
-- rolled up again when one of its minutes was.
CREATE TABLE IF NOT EXISTS container_stats_dirty_minutes (
  bucket timestamptz PRIMARY KEY
);

-- Everything stored before this migration has no minute tier yet: every minute of an hour the
-- hourly table holds (raw partitions only: older hours have no raw rows left) and of every dirty
-- hour is dirty, so the API reads those from raw until the rollup has filled them.
INSERT INTO container_stats_dirty_minutes (bucket)
SELECT DISTINCT h.bucket + m * interval '1 minute'
FROM (
  SELECT bucket FROM container_stats_hourly
   WHERE bucket >= coalesce((
     SELECT min(to_date(substring(c.relname FROM '_p(\d{8})$'), 'YYYYMMDD'))::timestamp AT TIME ZONE 'UTC'
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'container_stats'::regclass AND c.relname ~ '_p\d{8}$'), 'infinity')
  UNION
  SELECT bucket FROM container_stats_dirty_hours
) h CROSS JOIN generate_series(0, 59) AS m
ON CONFLICT DO NOTHING;

-- The same locking as the dirty hours had (0002): the upsert keeps the minute's row locked until the
-- inserting transaction ends, so a rollup taking that minute meanwhile waits for the commit and
-- then sees the rows. Minutes are locked in ascending order, like the rollup does.
CREATE OR REPLACE FUNCTION dockpulse_mark_dirty_minutes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO container_stats_dirty_minutes (bucket)
  SELECT DISTINCT date_trunc('minute', time) FROM new_rows ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS container_stats_dirty ON container_stats;
CREATE TRIGGER container_stats_dirty AFTER INSERT ON container_stats
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dockpulse_mark_dirty_minutes();
DROP FUNCTION IF EXISTS dockpulse_mark_dirty_hours();
DROP TABLE IF EXISTS container_stats_dirty_hours;

-- Rolls up the dirty minutes of at most p_max_hours hours: each minute from its raw rows (one
-- statement per minute: a few thousand groups per statement stay in memory, where an hour's
-- container-slot groups spilled to disk), then each hour touched from its minutes, then each day
-- touched from its hours, in one transaction. Returns the number of hours recomputed; 0 when
-- another session holds the rollup.
CREATE OR REPLACE FUNCTION dockpulse_rollup(p_max_hours integer DEFAULT 2000) RETURNS integer
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
  v_minutes timestamptz[];
  v_minute  timestamptz;
  v_hours   timestamptz[];
  v_days    timestamptz[];
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('dockpulse_rollup')) THEN
    RETURN 0;
  END IF;

  -- Locking the dirty minutes waits for writers still inserting into them (see the trigger); the
  -- statements below take a fresh snapshot, so they see those writers' rows.
  SELECT array_agg(bucket ORDER BY bucket) INTO v_minutes FROM (
    SELECT bucket FROM container_stats_dirty_minutes
     WHERE date_trunc('hour', bucket, 'UTC') IN (
       SELECT DISTINCT date_trunc('hour', bucket, 'UTC') AS h FROM container_stats_dirty_minutes ORDER BY h LIMIT p_max_hours)
     ORDER BY bucket FOR UPDATE
  ) picked;
  IF v_minutes IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM container_stats_dirty_minutes WHERE bucket = ANY (v_minutes);

  DELETE FROM container_stats_minute WHERE bucket = ANY (v_minutes);
  DELETE FROM container_stats_host_slots WHERE date_trunc('minute', slot) = ANY (v_minutes)
    AND slot >= v_minutes[1] AND slot < v_minutes[cardinality(v_minutes)] + interval '1 minute';
  FOREACH v_minute IN ARRAY v_minutes LOOP
    WITH cs AS MATERIALIZED (
      -- one group per container and 5 s slot (nearly one per raw row)
      SELECT s.host_id, s.container_id, date_bin(interval '5 seconds', s.time, 'epoch'::timestamptz) AS slot,
             count(*) AS samples, sum(s.cpu_percent) AS cpu_sum, count(s.cpu_percent) AS cpu_samples,
             max(s.cpu_percent) AS cpu_max, sum(s.mem_used_bytes) AS mem_used_sum,
             count(s.mem_used_bytes) AS mem_used_samples, max(s.mem_used_bytes) AS mem_used_max,
             max(s.mem_limit_bytes) AS mem_limit_max, sum(s.mem_percent) AS mem_percent_sum,
             count(s.mem_percent) AS mem_percent_samples,
             sum(s.net_rx_delta) AS net_rx_bytes, sum(s.net_tx_delta) AS net_tx_bytes,
             sum(s.blk_read_delta) AS blk_read_bytes, sum(s.blk_write_delta) AS blk_write_bytes,
             max(s.pids) AS pids_max
        FROM container_stats s
       WHERE s.time >= v_minute AND s.time < v_minute + interval '1 minute'
       GROUP BY 1, 2, 3),
    per_container AS (
      INSERT INTO container_stats_minute (bucket, host_id, container_id, samples, cpu_sum, cpu_samples,
          cpu_max, mem_used_sum, mem_used_samples, mem_used_max, mem_limit_max, mem_percent_sum,
          mem_percent_samples, net_rx_bytes, net_tx_bytes, blk_read_bytes, blk_write_bytes, pids_max)
      SELECT v_minute, host_id, container_id, sum(samples), sum(cpu_sum), sum(cpu_samples), max(cpu_max),
             sum(mem_used_sum)::bigint, sum(mem_used_samples), max(mem_used_max), max(mem_limit_max),
             sum(mem_percent_sum), sum(mem_percent_samples),
             sum(net_rx_bytes)::bigint, sum(net_tx_bytes)::bigint, sum(blk_read_bytes)::bigint,
             sum(blk_write_bytes)::bigint, max(pids_max)
        FROM cs GROUP BY host_id, container_id)
    INSERT INTO container_stats_host_slots (slot, host_id, cpu_avg_sum, cpu_containers, mem_used_avg_sum,
        mem_percent_avg_sum, mem_percent_containers, net_rx_bytes, net_tx_bytes, blk_read_bytes,
        blk_write_bytes, pids_max_sum)
    SELECT slot, host_id, sum(cpu_sum / nullif(cpu_samples, 0)), count(nullif(cpu_samples, 0)),
           sum(mem_used_sum::float8 / nullif(mem_used_samples, 0)),
           sum(mem_percent_sum / nullif(mem_percent_samples, 0)), count(nullif(mem_percent_samples, 0)),
           sum(net_rx_bytes)::bigint, sum(net_tx_bytes)::bigint, sum(blk_read_bytes)::bigint,
           sum(blk_write_bytes)::bigint, sum(pids_max)
      FROM cs GROUP BY host_id, slot;
  END LOOP;

  SELECT array_agg(DISTINCT date_trunc('hour', m, 'UTC')) INTO v_hours FROM unnest(v_minutes) AS m;
  DELETE FROM container_stats_hourly WHERE bucket = ANY (v_hours);
  INSERT INTO container_stats_hourly (bucket, host_id, container_id, samples, cpu_sum, cpu_max,
      mem_used_sum, mem_used_max, mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes,
      blk_write_bytes, pids_max)
  SELECT date_trunc('hour', x.bucket, 'UTC'), x.host_id, x.container_id, sum(x.samples)::bigint, sum(x.cpu_sum),
         max(x.cpu_max), sum(x.mem_used_sum)::bigint, max(x.mem_used_max), max(x.mem_limit_max),
         sum(x.net_rx_bytes)::bigint, sum(x.net_tx_bytes)::bigint,
         sum(x.blk_read_bytes)::bigint, sum(x.blk_write_bytes)::bigint, max(x.pids_max)
  FROM container_stats_minute x
  WHERE date_trunc('hour', x.bucket, 'UTC') = ANY (v_hours)
    AND x.bucket >= v_hours[1] AND x.bucket < (SELECT max(h) FROM unnest(v_hours) h) + interval '1 hour'
  GROUP BY 1, x.host_id, x.container_id;

  SELECT array_agg(DISTINCT date_trunc('day', h, 'UTC')) INTO v_days FROM unnest(v_hours) AS h;
  DELETE FROM container_stats_daily WHERE bucket = ANY (v_days);
  INSERT INTO container_stats_daily (bucket, host_id, container_id, samples, cpu_sum, cpu_max,
      mem_used_sum, mem_used_max, mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes,
      blk_write_bytes, pids_max)
  SELECT d.bucket, x.host_id, x.container_id, sum(x.samples)::bigint, sum(x.cpu_sum), max(x.cpu_max),
         sum(x.mem_used_sum)::bigint, max(x.mem_used_max), max(x.mem_limit_max),
         sum(x.net_rx_bytes)::bigint, sum(x.net_tx_bytes)::bigint,
         sum(x.blk_read_bytes)::bigint, sum(x.blk_write_bytes)::bigint, max(x.pids_max)
  FROM unnest(v_days) AS d(bucket)
  JOIN container_stats_hourly x ON x.bucket >= d.bucket AND x.bucket < d.bucket + interval '1 day'
  GROUP BY d.bucket, x.host_id, x.container_id;

  RETURN cardinality(v_hours);
END $$;

-- Retention of the tiers: the minute tier and the host slots serve only ranges that raw rows serve,
-- so they go with the raw partitions. The plain flavour's retention function, with two deletes added.
CREATE OR REPLACE FUNCTION dockpulse_apply_retention(
  p_raw interval, p_hourly interval, p_daily interval, p_logs interval, p_events interval)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_n integer := 0;
  v_rows integer;
BEGIN
  v_n := v_n + dockpulse_drop_partitions('container_stats', now() - p_raw);
  v_n := v_n + dockpulse_drop_partitions('container_logs', now() - p_logs);
  v_n := v_n + dockpulse_drop_partitions('container_events', now() - p_events);
  DELETE FROM container_stats_hourly WHERE bucket < now() - p_hourly;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  v_n := v_n + v_rows;
  DELETE FROM container_stats_daily WHERE bucket < now() - p_daily;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  v_n := v_n + v_rows;
  DELETE FROM container_stats_minute WHERE bucket < now() - p_raw - interval '1 day';
  DELETE FROM container_stats_host_slots WHERE slot < now() - p_raw - interval '1 day';
  RETURN v_n;
END $$;
