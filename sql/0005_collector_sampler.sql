-- Which stats sampler each collector uses (cgroup: the kernel's files; engine: the engine's stats
-- endpoint, the fallback), so the collector-health dashboard shows why a host's cycle is slow.
ALTER TABLE collector_status ADD COLUMN IF NOT EXISTS stats_sampler text;
