#!/usr/bin/env bash
# Runs every test. Redis and PostgreSQL come from REDIS_URL / DATABASE_URL; when those
# are unset and a server answers on the usual local port, that server is used; failing
# both, the tests start containers (testcontainers) or stop with what to set.
set -euo pipefail
if [ -z "${REDIS_URL:-}" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export REDIS_URL=redis://127.0.0.1:6379/0
fi
if [ -z "${DATABASE_URL:-}" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  export DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
fi
exec pytest "$@"
