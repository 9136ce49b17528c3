-- Plain PostgreSQL flavour of the time-series tables. Raw tables are range-partitioned by day
-- (UTC); the collector's maintenance job creates partitions ahead and drops whole old ones.
-- The hourly and daily rollups are plain tables with the same names and columns as the
-- TimescaleDB continuous aggregates, kept current by dockpulse_rollup().

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
) PARTITION BY RANGE (time);
-- BRIN: rows arrive in time order, so a tiny index finds an hour for the rollup.
CREATE INDEX IF NOT EXISTS container_stats_time_brin ON container_stats USING brin (time);

CREATE TABLE IF NOT EXISTS container_logs (
  time          timestamptz NOT NULL,
  host_id       text NOT NULL,
  container_id  text NOT NULL,
  stream        text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  seq           integer NOT NULL DEFAULT 0,   -- order of lines sharing one timestamp
  message       text NOT NULL,
  UNIQUE (host_id, container_id, time, stream, seq)
) PARTITION BY RANGE (time);
CREATE INDEX IF NOT EXISTS container_logs_time_idx ON container_logs (time DESC);

CREATE TABLE IF NOT EXISTS container_events (
  time            timestamptz NOT NULL,
  time_nano       bigint NOT NULL,            -- the engine's timeNano, exact
  host_id         text NOT NULL,
  container_id    text NOT NULL,
  container_name  text,
  image           text,
  action          text NOT NULL,
  exit_code       integer,
  attributes      jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (host_id, container_id, time, action, time_nano)
) PARTITION BY RANGE (time);
CREATE INDEX IF NOT EXISTS container_events_time_idx ON container_events (time DESC);

CREATE TABLE IF NOT EXISTS container_stats_hourly (
  bucket           timestamptz NOT NULL,
  host_id          text NOT NULL,
  container_id     text NOT NULL,
  samples          bigint NOT NULL,
  cpu_sum          double precision,
  cpu_max          double precision,
  mem_used_sum     bigint,
  mem_used_max     bigint,
  mem_limit_max    bigint,
  net_rx_bytes     bigint,
  net_tx_bytes     bigint,
  blk_read_bytes   bigint,
  blk_write_bytes  bigint,
  pids_max         integer,
  PRIMARY KEY (host_id, container_id, bucket)
);
CREATE INDEX IF NOT EXISTS container_stats_hourly_bucket_idx ON container_stats_hourly (bucket);

CREATE TABLE IF NOT EXISTS container_stats_daily (LIKE container_stats_hourly INCLUDING ALL);

-- Hours that received raw rows since the last rollup. Filled by a statement-level trigger, so
-- every insert path (the writer, a replayed spool, a late sample) marks its hours dirty.
CREATE TABLE IF NOT EXISTS container_stats_dirty_hours (
  bucket timestamptz PRIMARY KEY
);

-- The mark is an upsert, not ON CONFLICT DO NOTHING: it keeps the hour's row locked until the
-- inserting transaction ends, so a rollup that takes the hour meanwhile waits for that commit and
-- then sees its rows. With DO NOTHING, rows committed after a rollup had taken an hour that was
-- already dirty were never rolled up. Hours are locked in ascending order, like the rollup does.
CREATE OR REPLACE FUNCTION dockpulse_mark_dirty_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO container_stats_dirty_hours (bucket)
  SELECT DISTINCT date_trunc('hour', time, 'UTC') FROM new_rows ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS container_stats_dirty ON container_stats;
CREATE TRIGGER container_stats_dirty AFTER INSERT ON container_stats
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dockpulse_mark_dirty_hours();

-- Recomputes every dirty hour from raw rows, then every day touched from the hourly rows, in one
-- transaction. Averages stay exact because the rollups keep sums and sample counts.
-- Returns the number of hours recomputed; 0 when another session holds the rollup.
CREATE OR REPLACE FUNCTION dockpulse_rollup(p_max_hours integer DEFAULT 2000) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_hours timestamptz[];
  v_days  timestamptz[];
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('dockpulse_rollup')) THEN
    RETURN 0;
  END IF;

  -- Locking the dirty hours waits for writers still inserting into them (see the trigger); the
  -- statements below take a fresh snapshot, so they see those writers' rows.
  SELECT array_agg(bucket ORDER BY bucket) INTO v_hours FROM (
    SELECT bucket FROM container_stats_dirty_hours ORDER BY bucket LIMIT p_max_hours FOR UPDATE
  ) picked;
  IF v_hours IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM container_stats_dirty_hours WHERE bucket = ANY (v_hours);

  DELETE FROM container_stats_hourly WHERE bucket = ANY (v_hours);
  INSERT INTO container_stats_hourly (bucket, host_id, container_id, samples, cpu_sum, cpu_max,
      mem_used_sum, mem_used_max, mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes,
      blk_write_bytes, pids_max)
  SELECT h.bucket, s.host_id, s.container_id, count(*), sum(s.cpu_percent), max(s.cpu_percent),
         sum(s.mem_used_bytes)::bigint, max(s.mem_used_bytes), max(s.mem_limit_bytes),
         sum(s.net_rx_delta)::bigint, sum(s.net_tx_delta)::bigint,
         sum(s.blk_read_delta)::bigint, sum(s.blk_write_delta)::bigint, max(s.pids)
  FROM unnest(v_hours) AS h(bucket)
  JOIN container_stats s ON s.time >= h.bucket AND s.time < h.bucket + interval '1 hour'
  GROUP BY h.bucket, s.host_id, s.container_id;

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

-- Daily partitions, named <table>_pYYYYMMDD, bounds at UTC midnight. Idempotent.
CREATE OR REPLACE FUNCTION dockpulse_ensure_partitions(p_table regclass, p_from date, p_to date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_day date;
  v_name text;
  v_created integer := 0;
  v_base text := (SELECT relname FROM pg_class WHERE oid = p_table);
BEGIN
  FOR v_day IN SELECT generate_series(p_from, p_to, interval '1 day')::date LOOP
    v_name := format('%s_p%s', v_base, to_char(v_day, 'YYYYMMDD'));
    IF to_regclass(v_name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', v_name, p_table,
                       v_day::text || ' 00:00:00+00', (v_day + 1)::text || ' 00:00:00+00');
        v_created := v_created + 1;
      EXCEPTION WHEN duplicate_table THEN
        NULL; -- another collector created it between our check and our CREATE
      END;
    END IF;
  END LOOP;
  RETURN v_created;
END $$;

-- Drops whole daily partitions that end at or before p_before. Returns how many.
CREATE OR REPLACE FUNCTION dockpulse_drop_partitions(p_table regclass, p_before timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_part record;
  v_dropped integer := 0;
BEGIN
  FOR v_part IN
    SELECT c.relname, to_date(substring(c.relname FROM '_p(\d{8})$'), 'YYYYMMDD') AS day
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = p_table AND c.relname ~ '_p\d{8}$'
  LOOP
    IF (v_part.day + 1)::timestamp AT TIME ZONE 'UTC' <= p_before THEN
      EXECUTE format('DROP TABLE %I', v_part.relname);
      v_dropped := v_dropped + 1;
    END IF;
  END LOOP;
  RETURN v_dropped;
END $$;

-- What the maintenance job calls every minute: partitions from yesterday to p_days_ahead.
CREATE OR REPLACE FUNCTION dockpulse_prepare_partitions(p_days_ahead integer DEFAULT 3)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_from date := (now() AT TIME ZONE 'UTC')::date - 1;
  v_to date := (now() AT TIME ZONE 'UTC')::date + p_days_ahead;
BEGIN
  RETURN dockpulse_ensure_partitions('container_stats', v_from, v_to)
       + dockpulse_ensure_partitions('container_logs', v_from, v_to)
       + dockpulse_ensure_partitions('container_events', v_from, v_to);
END $$;

-- Retention, in the same shape for both flavours (the TimescaleDB one sets policies instead).
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
  RETURN v_n + v_rows;
END $$;

SELECT dockpulse_prepare_partitions(3);
