#!/usr/bin/env bash
# The benchmark published in docs/performance.md: Ledger beside its yardsticks, back to back on the same servers,
# each part in a database created empty at the start, then one table and one chart (issue 17).
#   1. library   the library in-process, 256 callers (--mode library), no balance reads
#   2. baseline  the plain batch procedure of perf/baseline/ at the batch size the library formed in 1 (100 when 1 is
#                skipped), 2 callers; then the one-per-call procedure, 20 callers
#   3. http      the API in Release, started here (Production settings, a key of its own, per-key limits off: one key
#                stands for many clients here), accounts created and funded first; single posts with wrk at
#                1, 16, 64, 256 and 1,024 connections (perf/wrk/transfers.lua)
#   4. bulk      POST /v1/transactions/batch with wrk, 100 two-leg items per request, at 16 and 64 connections
#                (perf/wrk/bulk.lua); "n/a (endpoint missing)" when it answers 404/405, not a failure
#   5. reads     balance reads over HTTP (the load generator's http mode) while it posts at about half the
#                sustainable single-post rate of 3 (the best at a p95 under 50 ms), open loop; the read p99 is the figure
#   6. bare      perf/Ledger.BareEndpoint (the same body and key check, no database) with wrk at 256 connections, after
#                the API has stopped
# Every run has a warm-up, then a measured window over which the CPU of mariadbd, redis-server, the API (or the bare
# endpoint) and the load client (the load generator, or wrk) is read from /proc and divided by the transfers posted
# (wrk runs through the load generator's watch mode). The result, in perf/results/<date>/benchmark-<time>/: one
# Markdown table (combined-*.md) whose first columns are ratios (throughput ÷ the one-per-call baseline's, database
# CPU per transfer ÷ the plain batch's, p95 ÷ the one-per-call baseline's, the API's CPU ÷ the bare endpoint's), then
# the absolute figures and CPU µs per transfer of each process; combined-*-http-curve.svg, throughput against p95 and
# p99 across the connection counts; and every run's JSON and wrk output. About 9 minutes with the defaults.
#
#   bash perf/benchmark.sh [--quick] [--duration S] [--warmup S] [--accounts N] [--skip PART,...]
#                          [--connections "1 16 64 256 1024"] [--bulk-connections "16 64"] [--bulk-items N]
#                          [--read-rate N] [--post-rate N]
#     --quick        3-s runs after 1 s, 100 accounts, to try the pipeline (the figures mean nothing)
#     --duration S   measured seconds per run (default 30); --warmup S before each (default 10)
#     --skip         any of library, baseline, http, bulk, bare, reads (comma-separated)
#     --read-rate N  balance reads/s in the reads run (default 1000); --post-rate N its posts/s (default: half the
#                    best single-post rate of the http part at a p95 under 50 ms, 1000 when there is none)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

duration=30 warmup=10 accounts=1000 skip="" connections="1 16 64 256 1024" bulk_connections="16 64" bulk_items=100
read_rate=1000 post_rate=""
api_port="${LEDGER_BENCH_API_PORT:-5093}" bare_port="${LEDGER_BENCH_BARE_PORT:-5094}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) duration=3 warmup=1 accounts=100 read_rate=200; shift ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --skip) skip="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --bulk-connections) bulk_connections="$2"; shift 2 ;;
    --bulk-items) bulk_items="$2"; shift 2 ;;
    --read-rate) read_rate="$2"; shift 2 ;;
    --post-rate) post_rate="$2"; shift 2 ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "benchmark: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
wanted() { [[ ",$skip," != *",$1,"* ]]; }
say() { echo "benchmark: $*" >&2; }

source perf/lib/api.sh
perf_setup || exit 1

# Fresh databases: the library's, the API's and the baselines'.
library_db=ledger_bench http_db=ledger_bench_http baseline_db=ledger_bench_baseline
mysql_port="$(sed -n 's/.*Port=\([0-9]*\);.*/\1/p' <<<"$LEDGER_TEST_MYSQL")"
MYSQL_PWD=ledger mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "${mysql_port:-3306}" -u ledger -e \
  "DROP DATABASE IF EXISTS $library_db; DROP DATABASE IF EXISTS $http_db; DROP DATABASE IF EXISTS $baseline_db;
   CREATE DATABASE $library_db; CREATE DATABASE $http_db"
library_connection="${LEDGER_TEST_MYSQL/Database=ledger;/Database=$library_db;}"
http_connection="${LEDGER_TEST_MYSQL/Database=ledger;/Database=$http_db;}"
export ConnectionStrings__Redis="$LEDGER_TEST_REDIS"

run="perf/results/$(date -u +%Y-%m-%d)/benchmark-$(date -u +%H%M%S)"
mkdir -p "$run"
say "building (Release)"
for project in perf/Ledger.LoadGen Ledger.Api perf/Ledger.BareEndpoint; do
  dotnet build -c Release "$project" -v quiet -nologo >/dev/null
done
loadgen() { dotnet perf/Ledger.LoadGen/bin/Release/net10.0/Ledger.LoadGen.dll "$@"; }
parts=()   # each run's folder, in the order of the table
n=0
part() { n=$((n + 1)); dir="$run/$(printf '%02d' "$n")-$1"; mkdir -p "$dir"; parts+=("$dir"); }  # sets $dir

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --- 1 and 2: the library, then the baselines at the batch size it formed ------------------------------------------
batch_size=100
if wanted library; then
  part library
  say "library, 256 callers"
  ConnectionStrings__Ledger="$library_connection" loadgen --mode library --concurrency 256 --accounts "$accounts" \
    --duration "$duration" --warmup "$warmup" --read-rate 0 --out "$dir" --label "Ledger library, 256 callers" >/dev/null
  formed="$(grep -ho '"MeanSize": *[0-9.]*' "$dir"/*.json | head -n1 | sed 's/.*: *//')"
  batch_size="$(printf '%.0f' "${formed:-100}")"
  [[ "$batch_size" -ge 1 ]] || batch_size=100
fi
if wanted baseline; then
  common=(--accounts "$accounts" --duration "$duration" --warmup "$warmup" --read-rate 0 --baseline-database "$baseline_db")
  say "baseline, plain batch of $batch_size, 2 callers"
  part baseline-batch
  ConnectionStrings__Ledger="$library_connection" loadgen --mode baseline-batch --batch-size "$batch_size" --concurrency 2 \
    "${common[@]}" --out "$dir" --label "baseline, plain batch of $batch_size, 2 callers" >/dev/null
  say "baseline, one per call, 20 callers"
  part baseline-single
  ConnectionStrings__Ledger="$library_connection" loadgen --mode baseline-single --concurrency 20 \
    "${common[@]}" --out "$dir" --label "baseline, one per call, 20 callers" >/dev/null
fi

# --- wrk under the watch mode: a warm-up run, then the measured run with the CPU read over its middle --------------
# wrk runs 5 s longer than the window and the watcher starts 1 s after it, so the window lies inside wrk's run even
# when the watcher is slow to start on a busy machine (it warns when wrk had ended before the window did).
wrk_measured() {  # DIR LABEL WORKLOAD CONNECTIONS URL WATCH_PID SCRIPT [ENV...]
  local dir="$1" label="$2" workload="$3" c="$4" url="$5" watch_pid="$6" script="$7"
  shift 7
  local threads=$((c < 2 ? c : 2))
  say "$label: warm-up ${warmup} s"
  env "$@" wrk -t"$threads" -c"$c" -d"${warmup}s" --timeout 10s -s "$script" "$url" >"$dir/wrk-warmup.txt" 2>&1 || true
  say "$label: measuring ${duration} s"
  env "$@" wrk -t"$threads" -c"$c" -d"$((duration + 5))s" --timeout 10s -s "$script" "$url" >"$dir/wrk.txt" 2>&1 &
  local wrk_pid=$!
  sleep 1
  loadgen --mode watch --wrk-output "$dir/wrk.txt" --client-pid "$wrk_pid" --watch-pid "$watch_pid" --url "$url" \
    --concurrency "$c" --accounts "$accounts" --duration "$duration" --workload "$workload" --label "$label" \
    --out "$dir" >/dev/null
  wait "$wrk_pid" || true
}
missing_endpoint() {  # WRK_OUTPUT: true when nothing was posted and every answer was 404 or 405
  local line statuses
  line="$(grep '^wrk-result ' "$1" | tail -n1)"
  [[ "$line" == *'"transfers":0,'* ]] || return 1
  statuses="$(sed -n 's/.*"statuses":{\([^}]*\)}.*/\1/p' <<<"$line")"
  [[ -n "$statuses" ]] && ! tr ',' '\n' <<<"$statuses" | grep -qv '^"40[45]":'
}

key="bench-poster-key-0123456789-abcdefghij"
prefix="bh$(date -u +%H%M%S)"
api_pid=""
if wanted http || wanted bulk || wanted reads; then
  say "starting the API (Release, Production settings) on :$api_port"
  start_api "$api_port" "$http_connection" "$key" "$run/api.log" || exit 1
  pids+=("$api_pid")
  say "creating and funding $accounts accounts ($prefix-*)"
  loadgen --mode http --setup-only --prefix "$prefix" --accounts "$accounts" --url "http://127.0.0.1:$api_port" --key "$key"
fi
wrk_env=(WRK_DIR=perf/wrk KEY="$key" PREFIX="$prefix" ACCOUNTS="$accounts" DIGITS=6)

# --- 3: single posts at each connection count ----------------------------------------------------------------------
if wanted http; then
  for c in $connections; do
    part "http-$c"
    wrk_measured "$dir" "HTTP single posts, wrk, $c connections" single "$c" \
      "http://127.0.0.1:$api_port" "$api_pid" perf/wrk/transfers.lua "${wrk_env[@]}"
  done
fi

# --- 4: bulk posts ---------------------------------------------------------------------------------------------------
if wanted bulk; then
  for c in $bulk_connections; do
    part "bulk-$c"
    wrk_measured "$dir" "HTTP bulk, $bulk_items per request, wrk, $c connections" bulk "$c" \
      "http://127.0.0.1:$api_port" "$api_pid" perf/wrk/bulk.lua "${wrk_env[@]}" ITEMS="$bulk_items"
    if missing_endpoint "$dir/wrk.txt"; then
      say "POST /v1/transactions/batch answered 404/405 only: bulk is n/a (endpoint missing); skipping the other connection counts"
      break
    fi
  done
fi

# --- 5: balance reads while posting at about half the sustainable rate (before the API stops) ----------------------
if wanted reads; then
  if [[ -z "$post_rate" ]]; then
    # Sustainable: the best single-post rate of part 3 at a p95 under 50 ms (requirement 4.3).
    best="$(python3 - "$run" <<'PY'
import glob, json, sys
rates = [r["PostedPerSecond"] for f in glob.glob(sys.argv[1] + "/*-http-*/*.json") for r in json.load(open(f))
         if r.get("Post", {}).get("P95", 1e9) < 50]
print(max(rates) if rates else "")
PY
)"
    post_rate="$(printf '%.0f' "$(awk -v b="${best:-2000}" 'BEGIN { print (b > 0 ? b : 2000) / 2 }')")"
  fi
  say "balance reads at $read_rate/s while posting $post_rate/s"
  part reads
  ConnectionStrings__Ledger="$http_connection" loadgen --mode http --url "http://127.0.0.1:$api_port" --key "$key" \
    --rate "$post_rate" --read-rate "$read_rate" --concurrency 256 --accounts "$accounts" --duration "$duration" \
    --warmup "$warmup" --watch-pid "$api_pid" --out "$dir" \
    --label "HTTP reads at $read_rate/s while posting $post_rate/s (open loop)" >/dev/null
fi
if [[ -n "$api_pid" ]]; then
  kill "$api_pid" 2>/dev/null || true
  wait "$api_pid" 2>/dev/null || true
fi

# --- 6: the bare endpoint ----------------------------------------------------------------------------------------------
if wanted bare; then
  if curl -s "http://127.0.0.1:$bare_port/" >/dev/null 2>&1; then
    say "something already answers on :$bare_port; stop it or set LEDGER_BENCH_BARE_PORT"; exit 1
  fi
  # From its build folder, like the API (perf/lib/api.sh): the same content root, the same configuration watcher.
  (
    cd perf/Ledger.BareEndpoint/bin/Release/net10.0 &&
      BareEndpoint__ApiKey="$key" ASPNETCORE_URLS="http://127.0.0.1:$bare_port" exec dotnet Ledger.BareEndpoint.dll
  ) >"$run/bare.log" 2>&1 &
  bare_pid=$!
  pids+=("$bare_pid")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$bare_port/health/live" >/dev/null 2>&1 && break
    sleep 0.1
  done
  part bare
  wrk_measured "$dir" "bare endpoint (no database), wrk, 256 connections" bare 256 \
    "http://127.0.0.1:$bare_port" "$bare_pid" perf/wrk/transfers.lua "${wrk_env[@]}"
  kill "$bare_pid" 2>/dev/null || true
  wait "$bare_pid" 2>/dev/null || true
fi

# --- the one table: yardsticks first, then Ledger's runs in the order above ------------------------------------------
files=()
for want in baseline-single baseline-batch library http- bulk- reads bare; do
  for dir in "${parts[@]}"; do
    if [[ "$(basename "$dir")" == [0-9][0-9]-"$want"* ]]; then
      files+=("$dir"/loadgen-*.json)
    fi
  done
done
[[ ${#files[@]} -gt 0 ]] || { say "nothing was run"; exit 1; }
loadgen --combine "${files[@]}" --out "$run"
say "machine load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
say "results in $run (combined-*.md is the table, combined-*-http-curve.svg the chart)"
