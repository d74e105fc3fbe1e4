#!/usr/bin/env bash
# Twice the sustainable load (and more) over HTTP: docs/performance.md, "Twice the sustainable load".
# wrk (C, epoll) drives the API, because the .NET load generator's own CPU, on the same two cores, was what limited
# the earlier run. Two runs of POST /v1/transfers against one API process (Release build, production settings, a
# database of its own, ledger_overload):
#   1. sustainable: 256 connections (closed loop, as the published HTTP run), what the box gives when not pushed;
#   2. overload:    2,048 connections, many times the requests the API can take at once, so it must refuse some.
# What to read: in run 2, 201s per second (goodput) against run 1's, and that every refusal is a 503 with
# Retry-After, with no socket error, no time-out and no other status.
#   perf/overload.sh [seconds per run, default 30] [overload connections, default 2048]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-30}"
connections="${2:-2048}"
port="${LEDGER_OVERLOAD_PORT:-5091}"
key="overload-poster-key-0123456789-abcdefghij"
accounts=200

eval "$(bash scripts/servers-up.sh --print-env)"
source scripts/lib/apt.sh
require_command wrk wrk || exit 1
require_command curl curl || exit 1
ulimit -n 65536 2>/dev/null || true

connection="${LEDGER_TEST_MYSQL/Database=ledger;/Database=ledger_overload;}"
mariadb --no-defaults -h 127.0.0.1 -u ledger -pledger -e "DROP DATABASE IF EXISTS ledger_overload" >&2
dotnet build Ledger.Api -c Release -v quiet -nologo >&2

ConnectionStrings__Ledger="$connection" ConnectionStrings__Redis="$LEDGER_TEST_REDIS" \
  Ledger__MigrateOnStartup=true Ledger__Cache__KeyPrefix="overload:" \
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" \
  Auth__ApiKeys__0__Name=overload Auth__ApiKeys__0__Key="$key" \
  Auth__ApiKeys__0__Roles__0=poster Auth__ApiKeys__0__Roles__1=reader Auth__ApiKeys__0__Roles__2=admin \
  dotnet Ledger.Api/bin/Release/net10.0/Ledger.Api.dll >/tmp/ledger-overload-api.log 2>&1 &
api=$!
trap 'kill "$api" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null

for i in $(seq 0 $((accounts - 1))); do
  curl -fsS -o /dev/null -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
    -d "$(printf '{"id":"ovl-%03d","currency":"USD","overdraftLimit":100000000}' "$i")" \
    "http://127.0.0.1:$port/v1/accounts"
done

run() {  # run LABEL CONNECTIONS
  echo "== $1: wrk -t2 -c$2 -d${seconds}s"
  KEY="$key" PREFIX=ovl ACCOUNTS="$accounts" \
    wrk -t2 -c"$2" -d"${seconds}s" --timeout 10s -s perf/wrk/transfers.lua "http://127.0.0.1:$port"
}
run "sustainable" 256
sleep 5
run "overload" "$connections"
echo "== API process: $(awk '/^VmRSS:/ {printf "%.0f MiB RSS", $2/1024}' "/proc/$api/status")"
