-- A per-minute tier under the hourly rollup, so the fleet panels over the last hour read 60 rows per
-- container instead of 720 raw samples (issue 14): container_stats_minute, kept by
-- dockpulse_rollup() from the minutes the raw rows' trigger marks dirty; the hourly table is now
-- rolled up from the minute tier, the daily one from the hourly as before. (Per-host rows per 5 s
-- slot were tried and dropped: each container's slot average before the per-host sum is a group per
-- raw row, 0.5 s per minute of 2,000 containers at load 14, the cost that makes the raw per-host
-- query slow; the fleet overview's per-host panels ask for whole minutes instead.)
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
  pids_max             integer
);
-- Read and replaced by bucket range only. No unique key on (host_id, container_id, bucket): the
-- rollup's delete-and-insert of an hour under its advisory lock keeps one row per key, and a unique
-- index made each insert visit the row it replaces (an hour of 2,000 containers: ~6 s of a 10 s
-- insert at load 12, against ~1.6 s without).
CREATE INDEX IF NOT EXISTS container_stats_minute_bucket_idx ON container_stats_minute (bucket);

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

-- Rolls up the dirty minutes of at most p_max_hours hours, in one transaction: per hour, the span
-- from its first to its last dirty minute from raw rows into the minute tier (one statement per hour:
-- one pass over the span's rows, grouped by container and minute in memory; per-minute statements
-- read each minute's rows through the time BRIN, which is lossy when 40 writers interleave, and read
-- several minutes of pages for each), then each hour touched from its minutes, each day touched from
-- its hours. Minutes of a span that were not dirty are recomputed to the same rows. Returns the
-- number of hours recomputed; 0 when another session holds the rollup.
-- At most 24 hours a call by default (the oldest first): after this migration every minute of the
-- raw retention is dirty, and the collector's run each minute works through that a day at a time
-- (2-3 s an hour of 2,000 containers here), holding the locks of old minutes only, which no writer
-- waits for; the current hour comes last.
CREATE OR REPLACE FUNCTION dockpulse_rollup(p_max_hours integer DEFAULT 24) RETURNS integer
LANGUAGE plpgsql
SET jit = off
-- 2,000 containers x 60 minutes of groups: a hash table of ~40 MB, on disk at the default 4 MB.
SET work_mem = '64MB'
AS $$
DECLARE
  v_minutes timestamptz[];
  v_hours   timestamptz[];
  v_hour    timestamptz;
  v_span    record;
  v_index   regclass;
  v_lock_timeout text := current_setting('lock_timeout');
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

  -- Pages written since the last run have no BRIN summary yet, and a BRIN range without one matches
  -- every time range: the rollup's scans and the API's raw minutes (api/src/stats/tiers.ts) would
  -- read every unsummarized page (on a freshly filled partition, all of it). Summarizing the new
  -- ranges each run keeps that to the last few. Skipped for a partition whose lock another session
  -- (a VACUUM) holds: it summarizes them itself; and by a role that does not own the partitions.
  PERFORM set_config('lock_timeout', '100ms', true);
  FOR v_index IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'container_stats_time_brin'::regclass LOOP
    BEGIN
      PERFORM brin_summarize_new_values(v_index);
    EXCEPTION WHEN lock_not_available OR insufficient_privilege THEN
      NULL;
    END;
  END LOOP;
  PERFORM set_config('lock_timeout', v_lock_timeout, true);

  FOR v_span IN
    SELECT min(m) AS first_minute, max(m) + interval '1 minute' AS span_end
      FROM unnest(v_minutes) AS m GROUP BY date_trunc('hour', m, 'UTC') ORDER BY 1
  LOOP
    DELETE FROM container_stats_minute WHERE bucket >= v_span.first_minute AND bucket < v_span.span_end;
    INSERT INTO container_stats_minute (bucket, host_id, container_id, samples, cpu_sum, cpu_samples,
        cpu_max, mem_used_sum, mem_used_samples, mem_used_max, mem_limit_max, mem_percent_sum,
        mem_percent_samples, net_rx_bytes, net_tx_bytes, blk_read_bytes, blk_write_bytes, pids_max)
    -- Integers summed as float8: exact below 2^53 (a minute of one container is far below), and the
    -- numeric accumulation of sum(bigint) cost ~40 % of the statement.
    SELECT date_trunc('minute', s.time), s.host_id, s.container_id, count(*), sum(s.cpu_percent),
           count(s.cpu_percent), max(s.cpu_percent), sum(s.mem_used_bytes::float8)::bigint, count(s.mem_used_bytes),
           max(s.mem_used_bytes), max(s.mem_limit_bytes), sum(s.mem_percent), count(s.mem_percent),
           sum(s.net_rx_delta::float8)::bigint, sum(s.net_tx_delta::float8)::bigint,
           sum(s.blk_read_delta::float8)::bigint, sum(s.blk_write_delta::float8)::bigint, max(s.pids)
      FROM container_stats s
     WHERE s.time >= v_span.first_minute AND s.time < v_span.span_end
     GROUP BY 1, 2, 3;
  END LOOP;

  SELECT array_agg(DISTINCT date_trunc('hour', m, 'UTC')) INTO v_hours FROM unnest(v_minutes) AS m;
  DELETE FROM container_stats_hourly WHERE bucket = ANY (v_hours);
  -- One statement per hour, the hour a plain range predicate (see 0007).
  FOREACH v_hour IN ARRAY v_hours LOOP
    INSERT INTO container_stats_hourly (bucket, host_id, container_id, samples, cpu_sum, cpu_max,
        mem_used_sum, mem_used_max, mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes,
        blk_write_bytes, pids_max)
    SELECT v_hour, x.host_id, x.container_id, sum(x.samples)::bigint, sum(x.cpu_sum),
           max(x.cpu_max), sum(x.mem_used_sum)::bigint, max(x.mem_used_max), max(x.mem_limit_max),
           sum(x.net_rx_bytes)::bigint, sum(x.net_tx_bytes)::bigint,
           sum(x.blk_read_bytes)::bigint, sum(x.blk_write_bytes)::bigint, max(x.pids_max)
    FROM container_stats_minute x
    WHERE x.bucket >= v_hour AND x.bucket < v_hour + interval '1 hour'
    GROUP BY x.host_id, x.container_id;
  END LOOP;

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

-- Retention of the minute tier: it serves only ranges that raw rows serve, so it goes with the raw
-- partitions. The plain flavour's retention function, with one delete added.
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
  RETURN v_n;
END $$;
