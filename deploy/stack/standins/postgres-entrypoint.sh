#!/bin/bash
# Stand-in for the postgres image's entrypoint (the TimescaleDB image uses the same one): the same
# settings (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, /docker-entrypoint-initdb.d/*.sh and
# *.sql) and the same two phases on an empty data directory. First a temporary server that listens
# on the Unix socket only runs the init scripts; then the server that other containers use starts,
# on TCP. A healthcheck that probes the socket passes during the first phase already.
set -euo pipefail
shopt -s nullglob

if [ "$(id -u)" = 0 ]; then
  # A new named volume is root-owned; the server must own its data directory.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  # setpriv execs in place (runuser would stay as PID 1 between Docker's signals and the server).
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?is not set: a new database needs a superuser password}"
  export POSTGRES_USER="${POSTGRES_USER:-postgres}"
  export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  echo "[stand-in postgres] new data directory: initdb, then the init scripts on a socket-only server"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  # As in the image: the socket and loopback stay trusted (initdb's default), every other client
  # logs in with a password.
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh)
        if [ -x "$script" ]; then
          echo "[stand-in postgres] running $script"
          "$script"
        else
          echo "[stand-in postgres] sourcing $script"
          # shellcheck disable=SC1090
          . "$script"
        fi
        ;;
      *.sql)
        echo "[stand-in postgres] running $script"
        psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$script"
        ;;
      *) echo "[stand-in postgres] ignoring $script" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "[stand-in postgres] init done; starting on TCP"
fi

if [ "${1:-}" = postgres ]; then
  shift
  exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
