#!/usr/bin/env bash
# Runs once, when the database volume is new (the postgres image's /docker-entrypoint-initdb.d),
# as the image's superuser. The writer role owns the database and its schema (the collector
# migrates and inserts) but is no superuser; the reader role can only SELECT (the API and
# Grafana's PostgreSQL datasource). Migrations grant the reader its SELECTs.
#
# Safe to run again (the tests run this very script against their server for every test
# database): roles are created when missing and get the given passwords either way.
# Environment: POSTGRES_USER, POSTGRES_DB, DOCKPULSE_WRITER_PASSWORD, DOCKPULSE_READER_PASSWORD;
# psql's own PGHOST/PGPORT/PGPASSWORD when not run inside the image.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v writer_password="$DOCKPULSE_WRITER_PASSWORD" -v reader_password="$DOCKPULSE_READER_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['dockpulse_writer', 'dockpulse_reader']) r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE dockpulse_writer LOGIN NOSUPERUSER PASSWORD :'writer_password';
ALTER ROLE dockpulse_reader LOGIN NOSUPERUSER PASSWORD :'reader_password';
ALTER DATABASE :"db" OWNER TO dockpulse_writer;
ALTER SCHEMA public OWNER TO dockpulse_writer;
GRANT CONNECT ON DATABASE :"db" TO dockpulse_reader;
GRANT USAGE ON SCHEMA public TO dockpulse_reader;
-- Queries that run away cannot hold the database: the API also sets its own statement timeout.
ALTER ROLE dockpulse_reader SET statement_timeout = '30s';
-- TimescaleDB is a superuser's extension: enable it here when the server has it preloaded (the
-- official image's own init script already did; a plain PostgreSQL has no such extension), so the
-- writer's migrations find it. Without the preload CREATE EXTENSION would end the session.
SELECT 'CREATE EXTENSION IF NOT EXISTS timescaledb'
 WHERE EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb')
   AND current_setting('shared_preload_libraries') ~ '(^|[,[:space:]])timescaledb($|[,[:space:]])' \gexec
SQL
