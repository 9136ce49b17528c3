-- The minute aggregate (0008) keeps only its bucket index. TimescaleDB gave its materialization
-- two more, (host_id, bucket) and (container_id, bucket) (timescaledb.create_group_indexes), and
-- filling them was a third of its refresh: an hour of 2,000 containers (120k minute rows) took
-- 2.35-2.40 s with them and 1.35-1.50 s without, on compressed chunks (bench/README, "Session 8").
-- What reads the tier reads a range of minutes of the whole fleet (the fleet panels' ranking and
-- per-host buckets); with a host or container filter it now reads the range's rows and filters
-- them (one container over the last hour: 70-120 ms instead of 2 ms), and container detail reads
-- raw samples, not the tier. The view cannot be created again instead: its rows older than the
-- refresh window (3 days) would not be materialized again.
DO $$
DECLARE
  v_index regclass;
BEGIN
  FOR v_index IN
    SELECT i.indexrelid::regclass
      FROM timescaledb_information.continuous_aggregates ca
      JOIN pg_index i ON i.indrelid = format('%I.%I', ca.materialization_hypertable_schema, ca.materialization_hypertable_name)::regclass
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE ca.view_schema = current_schema() AND ca.view_name = 'container_stats_minute'
       AND a.attname IN ('host_id', 'container_id')
  LOOP
    EXECUTE format('DROP INDEX %s', v_index);
  END LOOP;
END $$;
