#!/usr/bin/env bash
# Runs every test. Redis and PostgreSQL come from REDIS_URL / DATABASE_URL; when those
# are unset and a server answers on the usual local port, that server is used; failing
# both, the tests start containers (testcontainers) or stop with what to set.
set -euo pipefail
source "$(dirname "$0")/services.sh"
exec pytest "$@"
