#!/usr/bin/env bash
# Starts the production stack on loopback, for trying it out and for load tests:
#   PostgreSQL + Redis + the django-tasks worker + gunicorn with 4 workers,
#   using example_site.settings.production over plain http (LOCAL_HTTP=true).
# Data lives in var/prod/ and survives restarts. Ctrl-C stops everything.
#
#   scripts/serve-prod.sh            # or: make serve-prod
#   WORKERS=8 PORT=8080 scripts/serve-prod.sh
#   STATE_DIR=/tmp/x LOAD_DEMO=false DJANGO_SETTINGS_MODULE=... scripts/serve-prod.sh  (bench/load)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
py="$root/.venv/bin/python"
port=${PORT:-8000}
workers=${WORKERS:-4}
pg_port=${PG_PORT:-54329}
redis_port=${REDIS_PORT:-63799}
state=${STATE_DIR:-"$root/var/prod"}
mkdir -p "$state"

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pids=()
cleanup() {
    echo "Stopping…"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    as_pg "$pgbin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

# PostgreSQL
if [ ! -f "$state/pg/PG_VERSION" ]; then
    mkdir -p "$state/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$state/pg"
    as_pg "$pgbin/initdb" -D "$state/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
fi
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$state"
as_pg "$pgbin/pg_ctl" -D "$state/pg" -l "$state/pg.log" -w \
    -o "-p $pg_port -k $state -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
as_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='wagtail_pilots'" | grep -q 1 \
    || as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres wagtail_pilots

# Redis: cache for rate limits, lock-outs and Wagtail's caches.
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no --loglevel warning > "$state/redis.log" 2>&1 &
pids+=($!)

[ -f "$state/secret_key" ] || "$py" -c "import secrets; print(secrets.token_urlsafe(50))" > "$state/secret_key"
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-example_site.settings.production}
export PYTHONPATH="$root"
export SECRET_KEY="$(cat "$state/secret_key")"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/wagtail_pilots"
export CACHE_URL="redis://127.0.0.1:$redis_port/0"
export LOCAL_HTTP=true
export EXAMPLE_SITE_VAR_DIR="$state"

"$py" -m django migrate --noinput -v0
"$py" -m django collectstatic --noinput -v0
[ "${LOAD_DEMO:-true}" = true ] && "$py" -m django load_demo --create-admin

"$py" -m django db_worker > "$state/worker.log" 2>&1 &
pids+=($!)

echo "Production stack: http://127.0.0.1:$port/ ($workers gunicorn workers, PostgreSQL :$pg_port, Redis :$redis_port)"
"$root/.venv/bin/gunicorn" example_site.wsgi:application \
    --bind "127.0.0.1:$port" --workers "$workers" --timeout 60 \
    --access-logfile "$state/access.log" --error-logfile - &
pids+=($!)
wait "${pids[-1]}"
