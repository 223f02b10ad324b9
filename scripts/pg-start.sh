#!/usr/bin/env bash
# Start a local PostgreSQL for tests and benchmarks (no systemd), idempotently.
#
#   bash scripts/pg-start.sh [DBNAME ...]      (default database: test)
#
# If nothing answers on 127.0.0.1:5432 it installs PostgreSQL when missing (apt, as root),
# initialises a cluster once in $PG_DATA_DIR (trust auth, user postgres), starts it with
# pg_ctl (fsync off: for tests only) and waits until it is ready. Then it creates each
# database named on the command line if missing. Running it again changes nothing.
# URL: postgresql+psycopg://postgres@127.0.0.1:5432/DBNAME
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_DATA_DIR=${PG_DATA_DIR:-/var/lib/postgresql/registry-data}
PG_SOCKET_DIR=${PG_SOCKET_DIR:-/var/run/postgresql}
WAIT_SECONDS=${PG_WAIT_SECONDS:-60}

if [ "$#" -eq 0 ]; then
    set -- test
fi

say() { echo "pg-start: $*"; }
die() { echo "pg-start: ERROR: $*" >&2; exit 1; }

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    elif [ "$(id -un)" = postgres ]; then
        "$@"
    else
        die "run this as root (or as the postgres user)"
    fi
}

# The newest installed server's bin directory, or nothing.
find_bindir() {
    local initdb
    initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$initdb" ]; then
        dirname "$initdb"
    fi
}

# True if a server answers on 127.0.0.1:5432.
answering() {
    local isready
    isready=$(command -v pg_isready || true)
    if [ -z "$isready" ] && [ -n "${BINDIR:-}" ]; then
        isready=$BINDIR/pg_isready
    fi
    [ -n "$isready" ] && [ -x "$isready" ] || return 1
    "$isready" -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -t 2
}

install_postgresql() {
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and this is not root: cannot apt-get"
    say "PostgreSQL not installed: installing it with apt-get (no main cluster)"
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql postgresql-client
}

start_server() {
    BINDIR=$(find_bindir)
    if [ -z "$BINDIR" ]; then
        install_postgresql
        BINDIR=$(find_bindir)
        [ -n "$BINDIR" ] || die "apt-get install postgresql did not provide initdb"
    fi
    local major
    major=$(basename "$(dirname "$BINDIR")")

    if [ "$(id -u)" -eq 0 ]; then
        mkdir -p "$PG_SOCKET_DIR" "$(dirname "$PG_DATA_DIR")"
        chown postgres:postgres "$PG_SOCKET_DIR"
        if [ ! -e "$PG_DATA_DIR" ]; then
            mkdir -p "$PG_DATA_DIR"
            chown postgres:postgres "$PG_DATA_DIR"
            chmod 700 "$PG_DATA_DIR"
        fi
    fi

    if [ ! -s "$PG_DATA_DIR/PG_VERSION" ]; then
        say "initialising a PostgreSQL $major cluster in $PG_DATA_DIR"
        as_postgres "$BINDIR/initdb" -D "$PG_DATA_DIR" -U postgres --auth=trust \
            -E UTF8 --locale=C.UTF-8 >/dev/null
    else
        local have
        have=$(cat "$PG_DATA_DIR/PG_VERSION")
        [ "$have" = "$major" ] || die "$PG_DATA_DIR holds a PostgreSQL $have cluster," \
            "but the installed server is $major: move that folder away or set PG_DATA_DIR"
    fi

    if as_postgres "$BINDIR/pg_ctl" -D "$PG_DATA_DIR" status >/dev/null 2>&1; then
        say "the server in $PG_DATA_DIR runs but does not answer yet; waiting"
    else
        say "starting PostgreSQL $major on $PG_HOST:$PG_PORT (log: $PG_DATA_DIR/server.log)"
        as_postgres "$BINDIR/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_DATA_DIR/server.log" \
            -w -t "$WAIT_SECONDS" \
            -o "-c listen_addresses=$PG_HOST -c port=$PG_PORT" \
            -o "-c unix_socket_directories=$PG_SOCKET_DIR" \
            -o "-c fsync=off -c synchronous_commit=off" \
            start >/dev/null || {
            echo "pg-start: last lines of $PG_DATA_DIR/server.log:" >&2
            tail -n 20 "$PG_DATA_DIR/server.log" >&2 2>/dev/null || true
            die "pg_ctl could not start PostgreSQL in $PG_DATA_DIR"
        }
    fi

    local waited=0
    until answering; do
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            echo "pg-start: last lines of $PG_DATA_DIR/server.log:" >&2
            tail -n 20 "$PG_DATA_DIR/server.log" >&2 2>/dev/null || true
            die "PostgreSQL does not answer on $PG_HOST:$PG_PORT after ${WAIT_SECONDS}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "PostgreSQL is ready on $PG_HOST:$PG_PORT"
}

BINDIR=$(find_bindir)
if answering; then
    say "PostgreSQL already answers on $PG_HOST:$PG_PORT"
else
    start_server
fi

PSQL=$(command -v psql || echo "$BINDIR/psql")
CREATEDB=$(command -v createdb || echo "$BINDIR/createdb")
for db in "$@"; do
    [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "not a plain database name: $db"
    exists=$("$PSQL" -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$db'") \
        || die "cannot query the server on $PG_HOST:$PG_PORT as user postgres"
    if [ "$exists" = 1 ]; then
        say "database $db exists"
    else
        "$CREATEDB" -h "$PG_HOST" -p "$PG_PORT" -U postgres "$db"
        say "created database $db"
    fi
done
