#!/usr/bin/env bash
# A few-second check (CI, scripts/test.sh) that the benchmark's wrk path works end to end, with no database: the bare
# endpoint (perf/Ledger.BareEndpoint) under wrk with perf/wrk/transfers.lua, the load generator's watch mode reading
# the CPU and wrk's result line, and --combine making the table. Asserts that transfers were counted, no timing.
#   bash perf/wrk/smoke.sh [--configuration Release|Debug]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
[[ "${1:-}" == --configuration ]] && configuration="$2"
port="${LEDGER_SMOKE_BARE_PORT:-5095}"
key="smoke-key-0123456789"

source scripts/lib/apt.sh
require_command wrk wrk || exit 1
require_command curl curl || exit 1
dotnet build -c "$configuration" perf/Ledger.BareEndpoint -v quiet -nologo >/dev/null
dotnet build -c "$configuration" perf/Ledger.LoadGen -v quiet -nologo >/dev/null
out="$(mktemp -d)"
BareEndpoint__ApiKey="$key" ASPNETCORE_URLS="http://127.0.0.1:$port" \
  dotnet "perf/Ledger.BareEndpoint/bin/$configuration/net10.0/Ledger.BareEndpoint.dll" >"$out/bare.log" 2>&1 &
bare=$!
trap 'kill "$bare" 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
status="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Api-Key: wrong' -H 'Content-Type: application/json' \
  -d '{"sourceAccountId":"a","destinationAccountId":"b","amount":1}' "http://127.0.0.1:$port/v1/transfers")"
[[ "$status" == 401 ]] || { echo "wrk smoke: a wrong key got $status, not 401" >&2; exit 1; }

WRK_DIR=perf/wrk KEY="$key" PREFIX=smoke ACCOUNTS=10 \
  wrk -t1 -c4 -d4s -s perf/wrk/transfers.lua "http://127.0.0.1:$port" >"$out/wrk.txt" 2>&1 &
client=$!
sleep 1
dotnet "perf/Ledger.LoadGen/bin/$configuration/net10.0/Ledger.LoadGen.dll" --mode watch --wrk-output "$out/wrk.txt" \
  --client-pid "$client" --watch-pid "$bare" --url "http://127.0.0.1:$port" --concurrency 4 --duration 2 \
  --workload bare --label "smoke: bare endpoint" --out "$out/run" >/dev/null
wait "$client"
grep -q '^wrk-result .*"statuses":{"201":[0-9]*}' "$out/wrk.txt" || { echo "wrk smoke: wrk saw other answers than 201" >&2; cat "$out/wrk.txt" >&2; exit 1; }
dotnet "perf/Ledger.LoadGen/bin/$configuration/net10.0/Ledger.LoadGen.dll" --combine "$out"/run/*.json --out "$out" >"$out/table.md"
grep -q '^| smoke: bare endpoint | [0-9]' "$out/table.md" || { echo "wrk smoke: no row for the run" >&2; cat "$out/table.md" >&2; exit 1; }
echo "wrk smoke: ok ($(grep -o '"transfers":[0-9]*' "$out/wrk.txt"))" >&2
