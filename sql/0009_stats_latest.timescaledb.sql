-- A container's newest sample since p_since (NULL: any time). The plain flavour needs a function
-- for it (container_stats is a view there, sql/0009_stats_integer_keys.postgres.sql); this one is
-- the same query over the hypertable, so the API asks both flavours alike.
CREATE FUNCTION dockpulse_latest_stats(p_host_id text, p_container_id text, p_since timestamptz DEFAULT NULL)
RETURNS SETOF container_stats
LANGUAGE sql STABLE AS $$
  SELECT * FROM container_stats
   WHERE host_id = p_host_id AND container_id = p_container_id AND time > coalesce(p_since, '-infinity')
   ORDER BY time DESC LIMIT 1
$$;
