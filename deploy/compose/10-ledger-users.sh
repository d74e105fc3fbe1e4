#!/bin/bash
# Run by the mysql image once, when it initialises an empty data directory (docker-compose.yml mounts it into
# /docker-entrypoint-initdb.d): creates the two users of db/grants.sql and grants them what that file says.
# docker_process_sql is the image's own helper; it runs SQL as root against the initialising server.
set -euo pipefail
: "${LEDGER_MIGRATOR_PASSWORD:?set LEDGER_MIGRATOR_PASSWORD}" "${LEDGER_APP_PASSWORD:?set LEDGER_APP_PASSWORD}"
quote() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\\\'}"; }
docker_process_sql --database=mysql <<SQL
CREATE USER IF NOT EXISTS 'ledger_migrator'@'%' IDENTIFIED BY $(quote "$LEDGER_MIGRATOR_PASSWORD");
CREATE USER IF NOT EXISTS 'ledger_app'@'%' IDENTIFIED BY $(quote "$LEDGER_APP_PASSWORD");
SQL
docker_process_sql --database=mysql </ledger/grants.sql
