#!/bin/sh
# Stand-in for wollomatic/socket-proxy, written for the stack run: Debian's HAProxy in front of
# /var/run/docker.sock, configured from the same command-line flags the compose file gives the real
# image (-allowGET=<regex>, -allowHEAD=..., -allowPOST=..., -listenip, -proxyport). As the real one
# does, each pattern is matched against the whole path (anchored at both ends, query not included),
# a method with no pattern is a 405 and a path no pattern of its method matches is a 403. Not
# mimicked: -allowfrom (every client may connect), the watchdog and the bind-mount checks.
set -eu

cfg=/run/socket-proxy.cfg
listen=127.0.0.1
port=2375
rules=''
methods=''
for arg in "$@"; do
  case "$arg" in
    -listenip=*) listen=${arg#*=} ;;
    -proxyport=*) port=${arg#*=} ;;
    -allow[A-Z]*=*)
      flag=${arg%%=*}
      method=${flag#-allow}
      regex=${arg#*=}
      case "$regex" in *"'"*) echo "[stand-in socket proxy] a pattern with a quote is not supported: $arg" >&2; exit 2 ;; esac
      acl=$(printf '%s' "$method" | tr '[:upper:]' '[:lower:]')
      methods="$methods${methods:+ || }m_$acl"
      rules="$rules    acl m_$acl method $method
    acl p_$acl path_reg '^($regex)\$'
    http-request deny deny_status 403 if m_$acl !p_$acl
"
      ;;
    -*) ;; # the real image's other flags (allowfrom, watchdog, shutdown grace time, log level)
    *) break ;;
  esac
done

{
  printf 'global\n    log stdout format raw local0 info\n    maxconn 1000\n\n'
  printf 'defaults\n    mode http\n    log global\n    option httplog\n'
  # The events stream and followed logs stay open for as long as the collector runs.
  printf '    timeout connect 10s\n    timeout client 24h\n    timeout server 24h\n'
  printf '    timeout http-request 10s\n    timeout http-keep-alive 10s\n\n'
  printf 'frontend docker-api\n    bind %s:%s\n' "$listen" "$port"
  printf '%s' "$rules"
  if [ -n "$methods" ]; then
    printf '    http-request deny deny_status 405 unless %s\n' "$methods"
  else
    printf '    http-request deny deny_status 405\n'
  fi
  printf '    default_backend engine\n\nbackend engine\n    server engine /var/run/docker.sock\n'
} >"$cfg"

echo "[stand-in socket proxy] listening on $listen:$port; methods allowed: ${methods:-none}"
exec haproxy -W -db -f "$cfg"
