#!/usr/bin/env bash
# Ledger beside its yardsticks, back to back on the same servers (docs/performance.md, "Ledger against the baseline
# procedures"): the library with group commit, the plain batch procedure at the batch size the library formed, the
# one-transfer-per-call procedure, each over the same number of accounts with the same warm-up and measured time, no
# balance reads; then one table with the ratios Ledger ÷ baseline (database CPU per transfer, throughput, p50) and
# each process's CPU per transfer; then a lone caller through each of the one-per-call procedure and the library,
# in a table of its own. About 5 minutes with the defaults.
#
#   bash perf/baseline/compare.sh [--duration S] [--warmup S] [--accounts N] [--batch-size N] [--no-lone]
#                                 [--single-callers N] [--batch-callers N] [--ledger-callers N] [--keep-data]
#
# Defaults: 30 s measured after 10 s, 1,000 accounts, the batch size the library formed, 20 / 2 / 256 callers (the
# one-per-call procedure, the batch procedure, the library). Ledger runs in a database of its own, ledger_compare, and the
# baselines in ledger_compare_baseline; both are dropped first (unless --keep-data) so that every run starts from the
# same empty tables.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

duration=30 warmup=10 accounts=1000 batch_size=100 batch_size_given=0 single_callers=20 batch_callers=2 ledger_callers=256 keep=0 lone=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --batch-size) batch_size="$2"; batch_size_given=1; shift 2 ;;
    --no-lone) lone=0; shift ;;
    --single-callers) single_callers="$2"; shift 2 ;;
    --batch-callers) batch_callers="$2"; shift 2 ;;
    --ledger-callers) ledger_callers="$2"; shift 2 ;;
    --keep-data) keep=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

eval "$(bash scripts/servers-up.sh --print-env)"
ledger_db=ledger_compare
baseline_db=ledger_compare_baseline
export ConnectionStrings__Ledger="${LEDGER_TEST_MYSQL/Database=ledger;/Database=$ledger_db;}"
export ConnectionStrings__Redis="$LEDGER_TEST_REDIS"
if [[ "$keep" != 1 ]]; then
  MYSQL_PWD=ledger mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$(sed -n 's/.*Port=\([0-9]*\);.*/\1/p' <<<"$LEDGER_TEST_MYSQL")" \
    -u ledger -e "DROP DATABASE IF EXISTS $ledger_db; DROP DATABASE IF EXISTS $baseline_db; CREATE DATABASE $ledger_db"
fi

out="perf/results/$(date -u +%Y-%m-%d)"
run_dir="$(mktemp -d)"
trap 'rm -rf "$run_dir"' EXIT
dotnet build -c Release perf/Ledger.LoadGen -v quiet -nologo >/dev/null
loadgen() { dotnet run -c Release --no-build --project perf/Ledger.LoadGen -- "$@"; }
common=(--accounts "$accounts" --duration "$duration" --warmup "$warmup" --read-rate 0 --baseline-database "$baseline_db")

# The library first: the plain batch procedure then runs at the batch size Ledger formed (issue 16's yardstick),
# unless --batch-size names one.
loadgen --mode library --concurrency "$ledger_callers" "${common[@]}" --out "$run_dir/3" \
  --label "Ledger library, $ledger_callers callers" >/dev/null
if [[ "$batch_size_given" != 1 ]]; then
  formed="$(grep -ho '"MeanSize": *[0-9.]*' "$run_dir"/3/*.json | head -n1 | sed 's/.*: *//')"
  batch_size="$(printf '%.0f' "${formed:-100}")"
  [[ "$batch_size" -ge 1 ]] || batch_size=1
fi
loadgen --mode baseline-batch --batch-size "$batch_size" --concurrency "$batch_callers" "${common[@]}" --out "$run_dir/2" \
  --label "baseline, $batch_size per call (as Ledger formed), $batch_callers callers" >/dev/null
loadgen --mode baseline-single --concurrency "$single_callers" "${common[@]}" --out "$run_dir/1" \
  --label "baseline, one per call, $single_callers callers" >/dev/null
loadgen --combine "$run_dir"/1/*.json "$run_dir"/2/*.json "$run_dir"/3/*.json --out "$out"
# A lone caller: what one transfer waits for when nothing else is posted (the p50 ratio is the target).
if [[ "$lone" == 1 ]]; then
  loadgen --mode baseline-single --concurrency 1 "${common[@]}" --out "$run_dir/4" \
    --label "baseline, one per call, 1 caller" >/dev/null
  loadgen --mode library --concurrency 1 "${common[@]}" --out "$run_dir/5" --label "Ledger library, 1 caller" >/dev/null
  loadgen --combine "$run_dir"/4/*.json "$run_dir"/5/*.json --out "$out"
fi
echo "compare: machine load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
