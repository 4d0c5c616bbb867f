#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL cluster on a loopback port:
#   scripts/with-postgres.sh pytest -m "not browser"
# The cluster lives in a temporary directory and is removed afterwards.
# DATABASE_URL is set for the command, and its (empty) database created.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "PostgreSQL server binaries not found (apt-get install postgresql)." >&2
        exit 1
    fi
    echo "WARNING: PostgreSQL not installed; skipping the PostgreSQL run." >&2
    exit 0
fi

workdir=$(mktemp -d /tmp/wagtail-pilots-pg.XXXXXX)
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$workdir"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
    as_pg "$pgbin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

as_pg "$pgbin/initdb" -D "$workdir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
# The database DATABASE_URL names exists, for commands that use it directly (the
# benchmarks); pytest creates and drops its own test_ database beside it.
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres wagtail_pilots

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/wagtail_pilots"
"$@"
