#!/usr/bin/env bash
# Load runs on loopback, bounded in time: the survey page and the stock Wagtail
# form page (same questions) under 8/32/64 concurrent clients, against
#   (a) gunicorn (4 workers) + SQLite in WAL mode (database cache), and
#   (b) scripts/serve-prod.sh: gunicorn (4 workers) + PostgreSQL + Redis + worker.
# Never part of `make test`.
#
#   bench/load/run.sh                      # 10 s per run (the default)
#   SECONDS_PER_RUN=60 bench/load/run.sh   # the full run
#   CLIENTS="8" STACKS="sqlite" bench/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
py="$root/.venv/bin/python"
seconds=${SECONDS_PER_RUN:-10}
clients=${CLIENTS:-"8 32 64"}
stacks=${STACKS:-"sqlite postgres"}
workers=${WORKERS:-4}
state=${LOAD_STATE_DIR:-"$root/var/load"}
mkdir -p "$state"

export PYTHONPATH="$root"
export DJANGO_SETTINGS_MODULE=bench.load.settings
export ALLOWED_HOSTS="127.0.0.1,localhost"
export LOCAL_HTTP=true
[ -f "$state/secret_key" ] || "$py" -c "import secrets; print(secrets.token_urlsafe(50))" > "$state/secret_key"
export SECRET_KEY="$(cat "$state/secret_key")"

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT INT TERM

wait_for() {
    for _ in $(seq 1 300); do
        if "$py" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then
            return 0
        fi
        sleep 1
    done
    echo "server at $1 did not start" >&2
    return 1
}

measure() {  # $1 = stack label, $2 = base url
    local pages survey stock
    pages=$("$py" -m django bench_load_pages | tail -n 1)
    survey=$(echo "$pages" | "$py" -c "import json,sys; print(json.load(sys.stdin)['survey'])")
    stock=$(echo "$pages" | "$py" -c "import json,sys; print(json.load(sys.stdin)['stock'])")
    for n in $clients; do
        "$py" bench/load/load_survey.py "$2" "$survey" --clients "$n" --seconds "$seconds" \
            --label "$1 survey" --count-command "$py -m django bench_load_pages --counts" \
            --count-key survey_stored
        "$py" bench/load/load_survey.py "$2" "$stock" --clients "$n" --seconds "$seconds" \
            --label "$1 stock form" --count-command "$py -m django bench_load_pages --counts" \
            --count-key stock_stored
    done
}

for stack in $stacks; do
    case "$stack" in
    sqlite)
        port=${SQLITE_PORT:-8101}
        (
            export DATABASE_URL="sqlite:///$state/load.sqlite3"
            unset CACHE_URL
            export EXAMPLE_SITE_VAR_DIR="$state"
            "$py" -m django migrate --noinput -v0
            "$py" -m django createcachetable
            "$py" -m django collectstatic --noinput -v0
            "$root/.venv/bin/gunicorn" example_site.wsgi:application \
                --bind "127.0.0.1:$port" --workers "$workers" --timeout 60 \
                --error-logfile "$state/gunicorn-sqlite.log" &
            server_pid=$!
            wait_for "http://127.0.0.1:$port/admin/login/"
            echo "== (a) gunicorn x$workers + SQLite (WAL), ${seconds}s per run"
            measure "sqlite" "http://127.0.0.1:$port"
            kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
        )
        ;;
    postgres)
        port=${POSTGRES_PORT:-8102}
        pg_port=${PG_PORT:-54339}
        redis_port=${REDIS_PORT:-63809}
        STATE_DIR="$state/prod" LOAD_DEMO=false PORT=$port WORKERS=$workers \
            PG_PORT=$pg_port REDIS_PORT=$redis_port \
            bash scripts/serve-prod.sh > "$state/serve-prod.log" 2>&1 &
        server_pid=$!
        wait_for "http://127.0.0.1:$port/admin/login/"
        (
            export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/wagtail_pilots"
            export CACHE_URL="redis://127.0.0.1:$redis_port/0"
            export EXAMPLE_SITE_VAR_DIR="$state/prod"
            echo "== (b) gunicorn x$workers + PostgreSQL + Redis (scripts/serve-prod.sh), ${seconds}s per run"
            measure "postgres+redis" "http://127.0.0.1:$port"
        )
        stop_server
        ;;
    esac
done
