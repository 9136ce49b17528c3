#!/bin/sh
# Stand-in for tecnativa/docker-socket-proxy, written for the stack run: Debian's HAProxy in front
# of /var/run/docker.sock, answering only the API sections whose variable is 1 (the real image's
# variable names and defaults), read-only unless POST=1, 403 for everything else. Its filtering is
# this file's, not the real image's.
set -eu

cfg=/run/socket-proxy.cfg
# The real image listens on [::]:2375 for IPv4 and IPv6 unless DISABLE_IPV6 is set.
case "$(printf '%s' "${DISABLE_IPV6:-}" | tr '[:upper:]' '[:lower:]')" in
  1 | true | yes) bind=':2375' ;;
  *) bind='[::]:2375 v4v6' ;;
esac

sections=''
for pair in EVENTS:events:1 PING:_ping:1 VERSION:version:1 AUTH:auth:0 BUILD:build:0 COMMIT:commit:0 \
  CONFIGS:configs:0 CONTAINERS:containers:0 DISTRIBUTION:distribution:0 EXEC:exec:0 IMAGES:images:0 \
  INFO:info:0 NETWORKS:networks:0 NODES:nodes:0 PLUGINS:plugins:0 SECRETS:secrets:0 SERVICES:services:0 \
  SESSION:session:0 SWARM:swarm:0 SYSTEM:system:0 TASKS:tasks:0 VOLUMES:volumes:0; do
  var=${pair%%:*}
  rest=${pair#*:}
  path=${rest%%:*}
  default=${rest#*:}
  eval "value=\${$var:-$default}"
  if [ "$value" = 1 ]; then sections="$sections${sections:+|}$path"; fi
done

{
  printf 'global\n    log stdout format raw local0 info\n    maxconn 1000\n\n'
  printf 'defaults\n    mode http\n    log global\n    option httplog\n'
  # The events stream and followed logs stay open: idle limits like the real image's (10 min).
  printf '    timeout connect 10s\n    timeout client 10m\n    timeout server 10m\n'
  printf '    timeout http-request 10s\n    timeout http-keep-alive 10s\n\n'
  printf 'frontend docker-api\n    bind %s\n' "$bind"
  if [ "${POST:-0}" != 1 ]; then
    printf '    http-request deny deny_status 403 unless METH_GET || METH_HEAD\n'
  fi
  if [ -n "$sections" ]; then
    printf '    acl allowed_section path_reg ^(/v[0-9.]+)?/(%s)(/|$)\n' "$sections"
    printf '    http-request deny deny_status 403 unless allowed_section\n'
  else
    printf '    http-request deny deny_status 403\n'
  fi
  printf '    default_backend engine\n\nbackend engine\n    server engine /var/run/docker.sock\n'
} >"$cfg"

echo "[stand-in socket proxy] bind $bind; allowed: ${sections:-nothing}; POST=${POST:-0}"
if [ "${1:-}" = haproxy ]; then
  shift
  exec haproxy -W -db -f "$cfg" "$@"
fi
exec "$@"
