#!/usr/bin/env bash
# Runs the measurements published in docs/performance.md, one after another, into perf/results/<date>/:
#   1. library, batching off then on, back to back (--compare), 60 s each
#   2. library, hot accounts (10 accounts take half the load), 60 s
#   3. library, open loop at 10,000 transfers/s, 60 s (latency counted from when each transfer was due)
#   4. HTTP against the API in Release started here, 5 minutes, with the API's memory sampled each second
# Each run prints its Markdown table and leaves JSON, Markdown and SVG charts. Takes about 12 minutes.
#
#   bash perf/benchmark.sh [--quick] [--http-only]
#     --quick       15 s runs and a 60 s HTTP run, to try changes
#     --http-only   only the HTTP run
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

duration=60 http_duration=300 warmup=10 library=1
for arg in "$@"; do
  case "$arg" in
    --quick) duration=15 http_duration=60 warmup=5 ;;
    --http-only) library=0 ;;
    *) echo "benchmark: unknown argument $arg" >&2; exit 2 ;;
  esac
done

eval "$(bash scripts/servers-up.sh --print-env)"
source scripts/lib/apt.sh
require_command curl curl || exit 1     # the readiness wait
require_command pgrep procps || exit 1  # finding the API's process
out="perf/results/$(date -u +%Y-%m-%d)"
mkdir -p "$out"
dotnet build -c Release perf/Ledger.LoadGen -v quiet -nologo >/dev/null
loadgen() { dotnet run -c Release --no-build --project perf/Ledger.LoadGen -- --out "$out" "$@"; }

if [[ $library == 1 ]]; then
  loadgen --compare --concurrency 256 --duration "$duration" --warmup "$warmup"
  loadgen --hot 0.5 --concurrency 256 --duration "$duration" --warmup "$warmup" --label "library, hot: half the load on 10 accounts"
  loadgen --rate 10000 --concurrency 512 --duration "$duration" --warmup "$warmup" --label "library, open loop at 10,000/s"
fi

# The API in Release, started here and stopped at the end.
if curl -sf http://localhost:5080/health/live >/dev/null 2>&1; then
  echo "benchmark: something already answers on :5080; stop it first (this script starts the API itself)" >&2
  exit 1
fi
api_log="$out/api.log"
CONFIGURATION=Release bash scripts/run.sh >"$api_log" 2>&1 &
runner=$!
trap 'kill "$runner" 2>/dev/null || true; pkill -P "$runner" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf http://localhost:5080/health/ready >/dev/null 2>&1 && break
  sleep 1
done
curl -sf http://localhost:5080/health/ready >/dev/null || { echo "benchmark: the API did not become ready (see $api_log)" >&2; exit 1; }
api_pid="$(for p in $(pgrep -f Ledger.Api || true); do if grep -qx 'Ledger.Api' "/proc/$p/comm" 2>/dev/null; then echo "$p"; fi; done | head -1 || true)"
loadgen --mode http --concurrency 256 --duration "$http_duration" --warmup "$warmup" --watch-pid "${api_pid:-0}" \
  --label "HTTP API, $((http_duration / 60)) min"
echo "benchmark: results in $out" >&2
