#!/usr/bin/env bash
# Installs (when missing) and starts everything the tests need: Docker engine, PostgreSQL 15, Redis,
# faketime, and the busybox test workload image. Idempotent: safe to run again on a machine where all of it runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[services] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need_pkgs+=(busybox-static)
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need_pkgs+=(postgresql)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
# The pure test suites run a second time under a shifted clock (scripts/test-shifted-clock.sh).
command -v faketime >/dev/null 2>&1 || need_pkgs+=(faketime)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# The plugin's browser test drives Debian's chromium with playwright-core (Playwright's own browser
# builds cannot be downloaded here). With its recommended fonts, so screenshots show text.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  [ ${#need_pkgs[@]} -gt 0 ] || apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

# The collector's Podman test (collector/test/integration/cgroup-sampler.test.ts) starts a
# `podman system service` of its own; with its recommends (runc, slirp4netns, fuse-overlayfs), as
# that test was written against them.
if ! command -v podman >/dev/null 2>&1; then
  log "installing podman"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq podman >/dev/null
fi

wait_for() { # name, tries, command...
  local name=$1 tries=$2; shift 2
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  log "$name did not come up"; return 1
}

# --- Docker engine ---------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  # Debian's engine is started by hand: there is no init system on these machines.
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  wait_for dockerd 60 docker info
fi
log "docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# --- PostgreSQL 15 ---------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL 15"
  pg_lsclusters -h | grep -q '^15 *main' || pg_createcluster 15 main >/dev/null
  pg_ctlcluster 15 main start || true
  wait_for postgresql 30 pg_isready -h 127.0.0.1 -p 5432
fi
# A server started before its package was upgraded cannot load the new plpgsql library: restart it.
if ! su postgres -c "psql -qtAc 'DO \$\$BEGIN END\$\$'" >/dev/null 2>&1; then
  log "PostgreSQL cannot run plpgsql (package upgraded under a running server?): restarting it"
  pg_ctlcluster 15 main restart
  wait_for postgresql 30 pg_isready -h 127.0.0.1 -p 5432
fi
# The tests connect as this superuser with a password over TCP (what DATABASE_URL in CI says).
su postgres -c "psql -qtAc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='dockpulse') THEN CREATE ROLE dockpulse LOGIN SUPERUSER PASSWORD 'dockpulse'; END IF; END\\\$\\\$\"" >/dev/null
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='dockpulse'\"" | grep -q 1 \
  || su postgres -c "createdb -O dockpulse dockpulse"
log "postgresql $(su postgres -c 'psql -qtAc "SHOW server_version"')"

# --- Redis -----------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  wait_for redis 30 redis-cli -h 127.0.0.1 -p 6379 ping
fi
log "redis $(redis-cli -h 127.0.0.1 info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')"

# --- Test workload image ---------------------------------------------------------------------
"$here/build-test-image.sh"
