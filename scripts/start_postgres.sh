#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL for the store tests, and create a role and database.
# Idempotent: safe to run again; prints the URL to use, e.g.
#   export PARALLAX_TEST_PG="$(scripts/start_postgres.sh)"
# Needs root (apt-get, pg_ctlcluster). Settings: PG_ROLE, PG_PASSWORD, PG_DB, PG_PORT.
set -euo pipefail

ROLE="${PG_ROLE:-parallax}"
PASSWORD="${PG_PASSWORD:-parallax}"
DB="${PG_DB:-parallax_test}"

log() { echo "start_postgres: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q postgresql >/dev/null 2>&1; then
        apt-get update -q >/dev/null
        apt-get install -y -q postgresql >/dev/null
    fi
fi

# The newest installed major version, and its first cluster (created if missing).
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -1)"
CLUSTER="$(pg_lsclusters -h 2>/dev/null | awk -v v="$VERSION" '$1 == v {print $2; exit}')"
if [ -z "$CLUSTER" ]; then
    CLUSTER=main
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" >/dev/null
fi
PORT="${PG_PORT:-$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')}"

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}')"
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION/$CLUSTER on port $PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

# Wait until the server accepts connections.
for _ in $(seq 1 30); do
    if su postgres -c "psql -p $PORT -qtAc 'SELECT 1'" >/dev/null 2>&1; then break; fi
    sleep 1
done

psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtA $*"; }

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\"")" != "1" ]; then
    log "creating role $ROLE"
    psql_admin "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD' CREATEDB\""
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"")" != "1" ]; then
    log "creating database $DB"
    psql_admin "-c \"CREATE DATABASE $DB OWNER $ROLE\""
fi

echo "postgresql://$ROLE:$PASSWORD@localhost:$PORT/$DB"
