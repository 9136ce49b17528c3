#!/usr/bin/env bash
# The stack, run: builds the Dockerfile's collector and api targets and brings docker-compose.yml up
# (without Grafana) the way a user does, then checks what a user would look at first. No image can
# be pulled on the machines this runs on, so the base images are stand-ins built here from Debian
# (deploy/stack/standins); everything Dockpulse ships is built from this checkout.
#
# CI runs it after `bash scripts/start-services.sh && npm ci` (.ci/run, step "stack"), as root.
# It installs what it needs (debootstrap), keeps everything it builds in one temporary directory
# and under names unique to this run, and removes all of it at the end, also on failure.
# Network: package registries through apt/debootstrap and npm (over the host's network, as the
# machine's own npm does); otherwise only loopback and the run's own compose network.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
run_id="$(date +%s)-$$"
project="dpstack${$}"
work=$(mktemp -d /tmp/dockpulse-stack.XXXXXX)
base_image="dockpulse-stack/base:$run_id"
node_image="dockpulse-stack/node:$run_id"
postgres_image="dockpulse-stack/postgres:$run_id"
redis_image="dockpulse-stack/redis:$run_id"
proxy_image="dockpulse-stack/socket-proxy:$run_id"
version="stack-$run_id"
tick="dockpulse-stack-tick-$run_id"
# The Debian mirror this machine's apt uses (its first `URIs:` / `deb` line for the main archive),
# unless STACK_DEBIAN_MIRROR names another.
apt_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -vE 'security|updates' | grep -E '/debian/?$' | head -n1
}
mirror=${STACK_DEBIAN_MIRROR:-$(apt_mirror || true)}
[ -n "$mirror" ] || { echo '[stack] no Debian mirror found in /etc/apt: set STACK_DEBIAN_MIRROR' >&2; exit 1; }
# Passwords with every character that broke the old URLs, and a `$`, written in .env the way
# .env.example documents (single quotes).
writer_password='w@r:i/t?e#r%$w1'
reader_password='r#e@a:d/e?r%$r1'
postgres_password='p@s:t/g?r#e%$s1'

started=$SECONDS
phase_started=$SECONDS
phase_name=''
timings=()
failed=''

log() { printf '[stack] %s\n' "$*"; }
phase() {
  [ -z "$phase_name" ] || timings+=("$(printf '%-40s %4ss' "$phase_name" $((SECONDS - phase_started)))")
  phase_name=$1
  phase_started=$SECONDS
  printf '\n[stack] === %s (at %ss)\n' "$1" $((SECONDS - started))
}
fail() {
  failed=$1
  printf '[stack] FAILED: %s\n' "$1" >&2
  exit 1
}
pass() { printf '[stack] ok: %s\n' "$*"; }

compose() {
  COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0 STACK_NODE_IMAGE="$node_image" \
    docker-compose --project-name "$project" --project-directory "$repo" --env-file "$work/.env" \
    -f "$repo/docker-compose.yml" -f "$repo/deploy/stack/docker-compose.stack.yml" "$@"
}
container_of() { compose ps -q "$1" 2>/dev/null | head -n1; }
db_container=''
db_query() { # sql: runs as the superuser over the database container's socket
  docker exec "$db_container" psql -U postgres -d dockpulse -qtAX -c "$1"
}
wait_until() { # seconds, description, command...: polls once a second
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
  log "$what after $((limit - (deadline - SECONDS)))s"
}
show_logs() {
  for service in "$@"; do
    printf '[stack] --- last lines of `docker compose logs %s`\n' "$service" >&2
    compose logs --no-color --tail=40 "$service" >&2 || true
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$phase_name" ] || timings+=("$(printf '%-40s %4ss' "$phase_name" $((SECONDS - phase_started)))")
  phase_name=''
  if [ "$status" -ne 0 ]; then
    [ -n "$failed" ] || printf '[stack] FAILED (exit %s) during the phase above\n' "$status" >&2
    for build_log in "$work/standins.log" "$work/build.log"; do
      [ -f "$build_log" ] || continue
      printf '[stack] --- last lines of %s\n' "$(basename "$build_log")" >&2
      tail -n 40 "$build_log" >&2
    done
    [ ! -f "$work/up.log" ] || show_logs timescaledb migrate collector api docker-socket-proxy
  fi
  printf '\n[stack] === cleanup\n'
  docker rm -f "$tick" >/dev/null 2>&1 || true
  [ -f "$work/.env" ] && compose down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  docker image rm -f "dockpulse/collector:$version" "dockpulse/api:$version" >/dev/null 2>&1 || true
  # Every image of this run carries the base's label, the untagged stages the classic builder
  # leaves behind too (newest first, so children go before their parents).
  docker image ls -a -q --filter "label=dockpulse.stack-run=$run_id" | xargs -r docker image rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
  printf '\n[stack] timings\n'
  for line in "${timings[@]}"; do printf '[stack]   %s\n' "$line"; done
  printf '[stack]   %-40s %4ss\n' total $((SECONDS - started))
  if [ "$status" -eq 0 ]; then
    printf '[stack] stack run passed\n'
  else
    printf '[stack] stack run FAILED%s\n' "${failed:+: $failed}"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------------
phase "prerequisites"
docker info >/dev/null 2>&1 || fail "no Docker engine answers (run scripts/start-services.sh first)"
command -v docker-compose >/dev/null || fail "docker-compose is missing (scripts/start-services.sh installs it)"
if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
docker image inspect dockpulse/testbox >/dev/null 2>&1 || bash "$repo/scripts/build-test-image.sh"
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/package.json" ] || fail "cannot find npm's directory (got $npm_dir)"
log "docker-compose $(docker-compose version --short), engine $(docker version --format '{{.Server.Version}}'), node $("$node_bin" --version), npm $(npm --version)"

# ------------------------------------------------------------------------------------------------
phase "stand-in base images (debootstrap)"
# One bookworm rootfs for every stand-in: PostgreSQL 15, Redis 7 and HAProxy come from Debian's
# packages (no apt inside a container); the node stand-in gets this machine's node and npm.
rootfs="$work/rootfs"
if ! debootstrap --variant=minbase --include=postgresql-15,redis-server,haproxy,ca-certificates \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -n 20 "$work/debootstrap.log" >&2
  fail "debootstrap of bookworm from $mirror"
fi
# What an image does not need: the downloaded packages, indexes, docs, and the cluster the
# package's post-install made (the stand-in's entrypoint makes its own, in the volume).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/etc/postgresql/15/main "$rootfs"/var/lib/postgresql/15
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL dockpulse.stack-run=$run_id" - "$base_image" >/dev/null
rm -rf "$rootfs"
log "imported $base_image ($(docker image inspect -f '{{.Size}}' "$base_image" | awk '{printf "%d MB", $1/1e6}'))"

ctx="$work/standins"
cp -r "$repo/deploy/stack/standins" "$ctx"
cp "$node_bin" "$ctx/node"
cp -r "$npm_dir" "$ctx/npm"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
if [ -f /etc/npmrc ]; then cp /etc/npmrc "$ctx/npmrc"; else : >"$ctx/npmrc"; fi
if [ -f /root/.npmrc ]; then cp /root/.npmrc "$ctx/root-npmrc"; else : >"$ctx/root-npmrc"; fi
for target in node postgres redis socket-proxy; do
  image_var="${target//-/_}_image"
  [ "$target" = socket-proxy ] && image_var=proxy_image
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base_image" --label "dockpulse.stack-run=$run_id" \
    --target "$target" -t "${!image_var}" "$ctx" >>"$work/standins.log" 2>&1 || fail "building the $target stand-in"
done
log "stand-ins: $node_image, $postgres_image, $redis_image, $proxy_image"

# ------------------------------------------------------------------------------------------------
phase "build collector and api (Dockerfile)"
api_port=$("$node_bin" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat >"$work/.env" <<EOF
COMPOSE_PROJECT_NAME=$project
POSTGRES_PASSWORD='$postgres_password'
DOCKPULSE_WRITER_PASSWORD='$writer_password'
DOCKPULSE_READER_PASSWORD='$reader_password'
GRAFANA_ADMIN_PASSWORD='unused-grafana-does-not-run'
DOCKPULSE_VERSION=$version
TIMESCALEDB_IMAGE=$postgres_image
REDIS_IMAGE=$redis_image
SOCKET_PROXY_IMAGE=$proxy_image
API_PORT=$api_port
LOG_LEVEL=info
EOF
# The classic builder, over the host's network (the machine's way to the npm registry).
if ! compose build migrate api >"$work/build.log" 2>&1; then
  fail "docker-compose build (collector and api targets against $node_image)"
fi
# The classic builder builds every stage above a target: the plugin's must not be among them.
stages=$(awk '/^Step [0-9]+\/[0-9]+ : FROM/ { printf "%s ", $NF } /^Successfully tagged/ { printf "-> %s\n", $3 }' "$work/build.log")
printf '%s\n' "$stages" | sed 's/^/[stack]   stages built: /'
case "$stages" in *plugin-build* | *grafana*) fail "the server targets built the plugin's stages" ;; esac
for image in "dockpulse/collector:$version" "dockpulse/api:$version"; do
  docker image inspect "$image" >/dev/null 2>&1 || fail "$image was not built"
  log "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
done

# ------------------------------------------------------------------------------------------------
phase "up (without Grafana)"
compose up -d --no-build timescaledb redis docker-socket-proxy migrate collector api >"$work/up.log" 2>&1 || {
  cat "$work/up.log" >&2
  fail "docker-compose up"
}
migrate_container=$(compose ps -a -q migrate)
[ -n "$migrate_container" ] || fail "no migrate container"
db_container=$(container_of timescaledb)
wait_until 120 "migrate finished" test "$(docker inspect -f '{{.State.Status}}' "$migrate_container")" = exited ||
  fail "migrate did not finish within 120 s"
migrate_exit=$(docker inspect -f '{{.State.ExitCode}}' "$migrate_container")
[ "$migrate_exit" = 0 ] || fail "migrate exited with $migrate_exit"
pass "migrate completed (exit 0)"

# ------------------------------------------------------------------------------------------------
phase "checks"
writer_super=$(db_query "SELECT rolsuper FROM pg_roles WHERE rolname = 'dockpulse_writer'")
[ "$writer_super" = f ] || fail "dockpulse_writer should exist and not be a superuser (got '$writer_super')"
# pg_class, not pg_tables: container_stats is a view of the samples in the plain flavour (sql/0009).
owner=$(db_query "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'container_stats' AND relnamespace = 'public'::regnamespace")
[ "$owner" = dockpulse_writer ] || fail "container_stats should be owned by the writer role (got '$owner')"
pass "migrate ran as dockpulse_writer (not a superuser; it owns container_stats)"
flavour=$(db_query "SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'" 2>/dev/null || true)
log "storage flavour chosen by DOCKPULSE_STORAGE=auto: ${flavour:-unknown} (the stand-in has no TimescaleDB)"

docker run -d --name "$tick" --network none --label "dockpulse.stack-run=$run_id" dockpulse/testbox \
  sh -c 'while true; do echo tick; sleep 1; done' >/dev/null
tick_id=$(docker inspect -f '{{.Id}}' "$tick")
stats_rows() { db_query "SELECT count(*) FROM container_stats WHERE container_id = '$tick_id'"; }
has_stats() { [ "$(stats_rows)" -ge "${1:-2}" ]; }
wait_until 90 "the collector wrote stats of $tick" has_stats 2 || fail "no container_stats rows for $tick within 90 s"
pass "collector wrote $(stats_rows) stats samples of a running container ($tick)"
has_logs() { [ "$(db_query "SELECT count(*) FROM container_logs WHERE container_id = '$tick_id' AND message LIKE 'tick%'")" -ge 1 ]; }
wait_until 30 "the collector stored its log lines" has_logs || fail "no container_logs rows for $tick within 30 s"
pass "collector stored the container's log lines"

api_container=$(container_of api)
api_healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$api_container")" = healthy ]; }
wait_until 90 "the API's healthcheck says healthy" api_healthy || fail "the api container did not become healthy within 90 s"
bindings=$(docker inspect -f '{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{$p}}->{{.HostIp}}:{{.HostPort}} {{end}}{{end}}' "$api_container")
[ "$bindings" = "8080/tcp->127.0.0.1:$api_port " ] || fail "the API should be published on 127.0.0.1 only (got: $bindings)"
pass "API published on the host's loopback only ($bindings)"
health=$(curl -fsS --max-time 5 "http://127.0.0.1:$api_port/api/v1/health") || fail "GET /api/v1/health"
log "GET /api/v1/health -> $health"
containers=$(curl -fsS --max-time 5 "http://127.0.0.1:$api_port/api/v1/containers?name=$tick") || fail "GET /api/v1/containers"
case "$containers" in *"\"$tick\""*) ;; *) fail "GET /api/v1/containers does not list $tick: $containers" ;; esac
pass "API answers /api/v1/health and lists $tick in /api/v1/containers"

# The stand-in proxy (HAProxy, not the real one) with the compose file's allowlist flags refuses
# what the collector must not do: other methods (405), other paths, a container's files (403).
proxy_status() { # method path: HTTP status the proxy answers to the collector's container
  docker exec "$(container_of collector)" node -e "fetch('http://docker-socket-proxy:2375$2',{method:'$1'}).then(r=>console.log(r.status),e=>{console.log(e.message);process.exit(1)})"
}
collector_id=$(container_of collector)
[ "$(proxy_status GET /containers/json)" = 200 ] || fail "the socket proxy stand-in refused GET /containers/json"
[ "$(proxy_status GET "/containers/$collector_id/json")" = 200 ] || fail "the socket proxy stand-in refused a container's inspect"
[ "$(proxy_status POST /containers/create)" = 405 ] || fail "the socket proxy stand-in let a POST through"
[ "$(proxy_status GET /volumes)" = 403 ] || fail "the socket proxy stand-in answered GET /volumes"
[ "$(proxy_status GET "/containers/$collector_id/archive?path=/etc")" = 403 ] || fail "the socket proxy stand-in answered a container's archive"
[ "$(proxy_status GET "/containers/$collector_id/export")" = 403 ] || fail "the socket proxy stand-in answered a container's export"
pass "socket proxy stand-in: list and inspect allowed; POST refused (405); /volumes, archive and export refused (403)"
compose ps | sed 's/^/[stack]   /'

# ------------------------------------------------------------------------------------------------
phase "restart keeps the data (down, up)"
before=$(stats_rows)
down_started=$SECONDS
compose down --timeout 30 >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; fail "docker-compose down"; }
log "down took $((SECONDS - down_started))s"
compose up -d --no-build timescaledb redis docker-socket-proxy migrate collector api >"$work/up2.log" 2>&1 || {
  cat "$work/up2.log" >&2
  fail "docker-compose up after down"
}
migrate_container=$(compose ps -a -q migrate)
db_container=$(container_of timescaledb)
wait_until 120 "migrate finished again" test "$(docker inspect -f '{{.State.Status}}' "$migrate_container")" = exited ||
  fail "migrate did not finish within 120 s after the restart"
[ "$(docker inspect -f '{{.State.ExitCode}}' "$migrate_container")" = 0 ] || fail "migrate failed after the restart"
if compose logs --no-color timescaledb | grep -q 'new data directory'; then
  fail "the database was initialised again on a kept volume"
fi
after=$(stats_rows)
[ "$after" -ge "$before" ] || fail "stats rows went from $before to $after across down/up"
pass "the $before stats rows of $tick survived down/up (now $after)"
wait_until 60 "new samples after the restart" has_stats $((after + 2)) || fail "no new samples after the restart"
pass "collection goes on after the restart ($(stats_rows) rows)"
api_container=$(container_of api)
wait_until 90 "the API is healthy again" api_healthy || fail "the api container did not become healthy after the restart"
curl -fsS --max-time 5 "http://127.0.0.1:$api_port/api/v1/health" >/dev/null || fail "GET /api/v1/health after the restart"
pass "API healthy and answering after the restart"

# ------------------------------------------------------------------------------------------------
phase "summary"
cat <<EOF
[stack] shown here: the Dockerfile's collector and api targets build (classic builder, as
[stack]   docker-compose 1.29 uses it); docker-compose.yml comes up with them; migrate completes as
[stack]   the writer role made by deploy/initdb; the collector stores stats and logs of a running
[stack]   container through the socket proxy; the API turns healthy, answers /health and
[stack]   /containers on 127.0.0.1 only; down/up keeps the data; passwords with @ : / ? # % \$.
[stack] NOT shown here:
[stack]   - Grafana: no Grafana image here; the grafana service and the plugin's image build did not run.
[stack]   - the real images: timescale/timescaledb, redis:7-alpine, wollomatic/socket-proxy and
[stack]     node:20-bookworm-slim were replaced by stand-ins built from Debian bookworm packages.
[stack]   - TimescaleDB: the database stand-in is plain PostgreSQL 15, so DOCKPULSE_STORAGE=auto chose
[stack]     '${flavour:-postgres}' (the TimescaleDB flavour is tested only where TIMESCALEDB_TEST_URL is set).
[stack]   - the real socket proxy's filtering: the stand-in is Debian's HAProxy configured from the
[stack]     compose file's -allowGET/-allowHEAD flags (deploy/stack/standins/socket-proxy-entrypoint.sh);
[stack]     its -allowfrom is not mimicked.
[stack]   - Compose v2 (docker compose): only Debian's docker-compose 1.29 is here.
EOF
