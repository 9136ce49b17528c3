-- Regular tables shared by both storage flavours: what exists now (hosts, containers, images)
-- and the collectors' own heartbeat. Time-series tables come in 0002 (flavour-specific).

CREATE TABLE IF NOT EXISTS hosts (
  host_id          text PRIMARY KEY,
  name             text NOT NULL,
  engine_version   text,
  api_version      text,
  os               text,
  kernel           text,
  cpus             integer,
  mem_total_bytes  bigint,
  cgroup_version   smallint,
  first_seen       timestamptz NOT NULL DEFAULT now(),
  last_seen        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS container_info (
  host_id          text NOT NULL,
  container_id     text NOT NULL,
  name             text NOT NULL,
  image            text,
  image_id         text,
  command          text,
  created_at       timestamptz,
  started_at       timestamptz,
  finished_at      timestamptz,
  state            text NOT NULL,           -- created|running|paused|restarting|removing|exited|dead|removed
  status           text,                    -- the engine's human text ("Up 5 minutes (healthy)")
  health           text,                    -- starting|healthy|unhealthy, NULL without a healthcheck
  restart_count    integer NOT NULL DEFAULT 0,
  exit_code        integer,
  oom_killed       boolean NOT NULL DEFAULT false,
  labels           jsonb NOT NULL DEFAULT '{}'::jsonb,
  compose_project  text,
  compose_service  text,
  cpu_limit_cores  double precision,        -- NULL: no limit (may use every host core)
  mem_limit_bytes  bigint,                  -- NULL: no limit
  first_seen       timestamptz NOT NULL DEFAULT now(),
  last_seen        timestamptz NOT NULL DEFAULT now(),
  removed_at       timestamptz,
  PRIMARY KEY (host_id, container_id)
);
CREATE INDEX IF NOT EXISTS container_info_name_idx ON container_info (name);
CREATE INDEX IF NOT EXISTS container_info_state_idx ON container_info (state);
CREATE INDEX IF NOT EXISTS container_info_compose_idx ON container_info (compose_project, compose_service);
CREATE INDEX IF NOT EXISTS container_info_labels_idx ON container_info USING gin (labels jsonb_path_ops);

CREATE TABLE IF NOT EXISTS docker_images (
  host_id        text NOT NULL,
  image_id       text NOT NULL,
  repo_tags      text[] NOT NULL DEFAULT '{}',
  repo_digests   text[] NOT NULL DEFAULT '{}',
  size_bytes     bigint,
  created_at     timestamptz,
  labels         jsonb NOT NULL DEFAULT '{}'::jsonb,
  first_seen     timestamptz NOT NULL DEFAULT now(),
  last_seen      timestamptz NOT NULL DEFAULT now(),
  removed_at     timestamptz,
  PRIMARY KEY (host_id, image_id)
);
CREATE INDEX IF NOT EXISTS docker_images_tags_idx ON docker_images USING gin (repo_tags);

-- Kept forever (a tag's history is small and is what deploy annotations are made of),
-- so a regular table in both flavours.
CREATE TABLE IF NOT EXISTS image_versions (
  time               timestamptz NOT NULL,
  host_id            text NOT NULL,
  repository         text NOT NULL,
  tag                text NOT NULL,
  image_id           text NOT NULL,
  digest             text,
  previous_image_id  text,
  UNIQUE (host_id, repository, tag, time, image_id)
);
CREATE INDEX IF NOT EXISTS image_versions_image_idx ON image_versions (image_id);

CREATE TABLE IF NOT EXISTS collector_status (
  host_id               text PRIMARY KEY,
  version               text NOT NULL,
  started_at            timestamptz,
  last_beat             timestamptz NOT NULL,
  last_stats_cycle_ms   double precision,
  skipped_cycles        bigint NOT NULL DEFAULT 0,
  containers_seen       integer NOT NULL DEFAULT 0,
  buffered_rows         bigint NOT NULL DEFAULT 0,
  spooled_rows          bigint NOT NULL DEFAULT 0,
  dropped_rows          bigint NOT NULL DEFAULT 0,
  dropped_log_lines     bigint NOT NULL DEFAULT 0,
  errors_total          bigint NOT NULL DEFAULT 0,
  last_error            text,
  last_error_at         timestamptz
);
