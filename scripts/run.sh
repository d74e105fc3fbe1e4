#!/usr/bin/env bash
# Starts the Ledger API with Swagger UI on http://localhost:5080/swagger.
# When ConnectionStrings__Ledger is not set, it first installs (if missing) and starts local MariaDB and Redis
# with scripts/servers-up.sh, and the API applies the migrations at start-up.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -z "${ConnectionStrings__Ledger:-}" ]]; then
  eval "$(bash scripts/servers-up.sh --print-env)"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
export Ledger__MigrateOnStartup="${Ledger__MigrateOnStartup:-true}"

echo "run: Swagger UI at ${ASPNETCORE_URLS%%;*}/swagger  (Authorize with X-Api-Key: ledger-dev-key-change-me)" >&2
exec dotnet run --project Ledger.Api --no-launch-profile -c "${CONFIGURATION:-Debug}"
