-- dockpulse_rollup() (0002) again, faster: one INSERT ... SELECT per dirty hour instead of one over
-- all of them joined to unnest(). With the hours in a join, the planner could not bound the groups
-- (hours x hosts x containers), so it sorted every raw row of those hours on disk (an external
-- merge of 220 MB for two hours of 2,000 containers) before a GroupAggregate. With one hour per
-- statement the range is a plain predicate and the groups (one per container) fit in a hash table:
-- one pass over the hour's rows. JIT is off for the function: compiling the 12 aggregates cost
-- more than it saved on this workload. Same rows as before (common/test/rollups.test.ts checks them
-- against a direct GROUP BY); the locking is unchanged (see the trigger in 0002).
CREATE OR REPLACE FUNCTION dockpulse_rollup(p_max_hours integer DEFAULT 2000) RETURNS integer
LANGUAGE plpgsql
SET jit = off
AS $$
DECLARE
  v_hours timestamptz[];
  v_hour  timestamptz;
  v_days  timestamptz[];
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('dockpulse_rollup')) THEN
    RETURN 0;
  END IF;

  -- Locking the dirty hours waits for writers still inserting into them (see the trigger in 0002);
  -- the statements below take a fresh snapshot, so they see those writers' rows.
  SELECT array_agg(bucket ORDER BY bucket) INTO v_hours FROM (
    SELECT bucket FROM container_stats_dirty_hours ORDER BY bucket LIMIT p_max_hours FOR UPDATE
  ) picked;
  IF v_hours IS NULL THEN
    RETURN 0;
  END IF;
  DELETE FROM container_stats_dirty_hours WHERE bucket = ANY (v_hours);

  DELETE FROM container_stats_hourly WHERE bucket = ANY (v_hours);
  FOREACH v_hour IN ARRAY v_hours LOOP
    INSERT INTO container_stats_hourly (bucket, host_id, container_id, samples, cpu_sum, cpu_max,
        mem_used_sum, mem_used_max, mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes,
        blk_write_bytes, pids_max)
    SELECT v_hour, s.host_id, s.container_id, count(*), sum(s.cpu_percent), max(s.cpu_percent),
           sum(s.mem_used_bytes)::bigint, max(s.mem_used_bytes), max(s.mem_limit_bytes),
           sum(s.net_rx_delta)::bigint, sum(s.net_tx_delta)::bigint,
           sum(s.blk_read_delta)::bigint, sum(s.blk_write_delta)::bigint, max(s.pids)
    FROM container_stats s
    WHERE s.time >= v_hour AND s.time < v_hour + interval '1 hour'
    GROUP BY s.host_id, s.container_id;
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
