# Sourced by scripts that need Redis and PostgreSQL: REDIS_URL / DATABASE_URL when set,
# else the servers on the usual local ports when they answer.
if [ -z "${REDIS_URL:-}" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export REDIS_URL=redis://127.0.0.1:6379/0
fi
if [ -z "${DATABASE_URL:-}" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  export DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
fi
