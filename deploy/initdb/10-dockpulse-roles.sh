#!/usr/bin/env bash
# Runs once, when the database volume is new (the postgres image's /docker-entrypoint-initdb.d).
# The writer role owns the schema (the collector migrates and inserts); the reader role can only
# SELECT (the API and Grafana's PostgreSQL datasource). Migrations grant the reader its SELECTs.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v writer_password="$DOCKPULSE_WRITER_PASSWORD" -v reader_password="$DOCKPULSE_READER_PASSWORD" <<'SQL'
CREATE ROLE dockpulse_writer LOGIN PASSWORD :'writer_password';
CREATE ROLE dockpulse_reader LOGIN PASSWORD :'reader_password';
ALTER DATABASE dockpulse OWNER TO dockpulse_writer;
ALTER SCHEMA public OWNER TO dockpulse_writer;
GRANT CONNECT ON DATABASE dockpulse TO dockpulse_reader;
GRANT USAGE ON SCHEMA public TO dockpulse_reader;
-- Queries that run away cannot hold the database: the API also sets its own statement timeout.
ALTER ROLE dockpulse_reader SET statement_timeout = '30s';
SQL
