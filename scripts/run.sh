#!/usr/bin/env bash
# Starts the Ledger API with Swagger UI on http://localhost:5080/swagger; ASPNETCORE_URLS picks another address (the
# launch profile is not used, so it applies: docs/configuration.md, "Picking the port").
# When ConnectionStrings__Ledger is not set, it first installs (if missing) and starts local MariaDB and Redis
# with scripts/servers-up.sh, and the API applies the migrations at start-up as ledger_migrator, then serves as
# ledger_app (the two users of db/grants.sql).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -z "${ConnectionStrings__Ledger:-}" ]]; then
  eval "$(bash scripts/servers-up.sh --print-env)"
  # The two users of db/grants.sql, as in production: the API posts as ledger_app (SELECT and EXECUTE only) and
  # migrates at start-up as ledger_migrator, the owner of the schema.
  export ConnectionStrings__Ledger="$LEDGER_TEST_MYSQL_APP"
  export ConnectionStrings__LedgerMigrator="$LEDGER_TEST_MYSQL_MIGRATOR"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
export Ledger__MigrateOnStartup="${Ledger__MigrateOnStartup:-true}"

echo "run: Swagger UI at ${ASPNETCORE_URLS%%;*}/swagger  (Authorize with X-Api-Key: ledger-dev-key-change-me)" >&2
exec dotnet run --project Ledger.Api --no-launch-profile -c "${CONFIGURATION:-Debug}"
