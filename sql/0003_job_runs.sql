-- When the collector last ran a TimescaleDB policy itself (CALL run_job does not update
-- TimescaleDB's own job statistics). Used by the maintenance job on the TimescaleDB flavour when
-- the background scheduler fails; empty and unused on plain PostgreSQL.
CREATE TABLE IF NOT EXISTS dockpulse_job_runs (
  job_id         integer PRIMARY KEY,
  proc_name      text NOT NULL,
  relation       text NOT NULL,
  last_success   timestamptz,
  last_error     text,
  last_error_at  timestamptz
);
