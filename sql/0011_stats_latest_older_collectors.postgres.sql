-- Rows written to the container_stats view (collectors from before 0010, tools, tests) are whole
-- samples: after 0009's trigger stores one (it returns NULL for a row already stored, and then this
-- one does not fire), this one keeps container_stats_latest (0010). INSTEAD OF triggers fire in
-- name order.
CREATE TRIGGER container_stats_keep_latest INSTEAD OF INSERT ON container_stats
  FOR EACH ROW EXECUTE FUNCTION dockpulse_keep_latest_stats();
