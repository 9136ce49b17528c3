-- Collectors from before 0010 (and tools, tests) write whole samples to the hypertable: those keep
-- container_stats_latest (0010). The collector of 0010 on leaves the latest-only columns NULL in the
-- history and upserts the table itself, so the trigger's condition skips its rows.
CREATE TRIGGER container_stats_keep_latest AFTER INSERT ON container_stats
  FOR EACH ROW
  WHEN (NEW.mem_usage_bytes IS NOT NULL OR NEW.mem_percent IS NOT NULL OR NEW.net_rx_bytes IS NOT NULL
        OR NEW.net_tx_bytes IS NOT NULL OR NEW.blk_read_bytes IS NOT NULL OR NEW.blk_write_bytes IS NOT NULL)
  EXECUTE FUNCTION dockpulse_keep_latest_stats();
