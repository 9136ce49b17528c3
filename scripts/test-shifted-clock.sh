#!/usr/bin/env bash
# Runs the pure test suites (no PostgreSQL, Docker or Redis) again with the clock moved, so a test
# that only passes near the day it was written fails here: the plugin's unit project, the
# collector's unit tests and common's unit tests. Suites that talk to servers stay on the real
# clock: PostgreSQL and Docker keep their own, and a shifted client would disagree with them.
# Usage: scripts/test-shifted-clock.sh [OFFSET]   (faketime's syntax; default +400d)
set -euo pipefail
cd "$(dirname "$0")/.."
offset=${1:-+400d}
command -v faketime >/dev/null 2>&1 || { echo "faketime is missing: run scripts/start-services.sh (Debian package faketime)" >&2; exit 2; }

shifted() { faketime -f "$offset" "$@"; }
# Proof that the shift took: the date the suites see.
echo "[shifted clock] real $(date -u +%F), suites see $(shifted date -u +%F) ($offset)"

shifted npx jest -c common/jest.config.js common/test/unit
shifted npx jest -c collector/jest.config.js collector/test/unit
(cd plugin && shifted npx jest --ci --maxWorkers 2 --selectProjects unit)
