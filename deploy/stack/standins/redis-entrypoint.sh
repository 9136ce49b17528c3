#!/bin/sh
# Stand-in for the redis image's entrypoint. That image builds Redis with protected mode off;
# Debian's package keeps it on, which refuses clients from other containers when no password is
# set. The server runs as the redis user, as in the image.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server "$@" --protected-mode no
fi
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
