#!/usr/bin/env bash
# Where the API spends its CPU while it posts transfers (issue 17, item 1): starts the API in Release with Production
# settings (perf/lib/api.sh, as perf/benchmark.sh does) on a database created empty, creates and funds accounts, loads
# it with wrk (perf/wrk/transfers.lua) and, after a warm-up, samples its threads with dotnet-trace (the
# dotnet-sampled-thread-time profile: about 100 stacks a second per thread) for the given seconds. Then
# perf/profile/frames.py ranks the methods by the samples in which a thread ran managed code, exclusive and
# inclusive, into perf/results/<date>/api-profile-<time>/frames.md, beside the trace and wrk's output.
# Native work (the kernel's socket calls, the runtime itself) shows as time outside managed code, not as methods.
#
#   bash perf/profile/api.sh [--connections N] [--seconds S] [--warmup S] [--accounts N] [--top N] [--label TEXT]
#
# Defaults: 256 connections, 15 s sampled after 10 s of load, 1,000 accounts, the top 25 methods. dotnet-trace is
# installed into .local/tools on first use (a .NET global tool from the package feed nuget.config names).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

connections=256 seconds=15 warmup=10 accounts=1000 top=25 label="API posting transfers"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --top) top="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "api-profile: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
say() { echo "api-profile: $*" >&2; }

source perf/lib/api.sh
perf_setup || exit 1
tools="$root/.local/tools"
if [[ ! -x "$tools/dotnet-trace" ]]; then
  say "installing dotnet-trace into $tools"
  dotnet tool install --tool-path "$tools" dotnet-trace --version 10.0.750501 >/dev/null
fi

db=ledger_profile
mysql_port="$(sed -n 's/.*Port=\([0-9]*\);.*/\1/p' <<<"$LEDGER_TEST_MYSQL")"
MYSQL_PWD=ledger mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "${mysql_port:-3306}" -u ledger -e \
  "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
export ConnectionStrings__Redis="$LEDGER_TEST_REDIS"
out="perf/results/$(date -u +%Y-%m-%d)/api-profile-$(date -u +%H%M%S)"
mkdir -p "$out"
say "building (Release)"
for project in perf/Ledger.LoadGen Ledger.Api; do
  dotnet build -c Release "$project" -v quiet -nologo >/dev/null
done

port="${LEDGER_PROFILE_API_PORT:-5095}" key="profile-poster-key-0123456789-abcdefghij" prefix="pf$(date -u +%H%M%S)"
wrk_pid=""
trap 'kill ${wrk_pid:-} ${api_pid:-} 2>/dev/null || true' EXIT
start_api "$port" "${LEDGER_TEST_MYSQL/Database=ledger;/Database=$db;}" "$key" "$out/api.log"
say "creating and funding $accounts accounts ($prefix-*)"
dotnet perf/Ledger.LoadGen/bin/Release/net10.0/Ledger.LoadGen.dll --mode http --setup-only --prefix "$prefix" \
  --accounts "$accounts" --url "http://127.0.0.1:$port" --key "$key"

say "wrk at $connections connections: ${warmup} s of warm-up, then ${seconds} s sampled"
threads=$((connections < 2 ? connections : 2))
WRK_DIR=perf/wrk KEY="$key" PREFIX="$prefix" ACCOUNTS="$accounts" DIGITS=6 \
  wrk -t"$threads" -c"$connections" -d"$((warmup + seconds + 5))s" --timeout 10s -s perf/wrk/transfers.lua \
  "http://127.0.0.1:$port" >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
sleep "$warmup"
"$tools/dotnet-trace" collect -p "$api_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf '%02d' "$seconds")" \
  --format Speedscope -o "$out/api.nettrace" >"$out/dotnet-trace.txt" 2>&1
wait "$wrk_pid" || true
wrk_pid=""
python3 perf/profile/frames.py "$out/api.speedscope.json" --top "$top" \
  --title "$label ($connections connections, $(date -u +%Y-%m-%d))" >"$out/frames.md"
cat "$out/frames.md"
say "wrk: $(grep '^wrk-result ' "$out/wrk.txt" | tail -n1 || true)"
say "results in $out"
