#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no servers), integration tests and HTTP tests against real MariaDB and
# Redis. When LEDGER_TEST_MYSQL / LEDGER_TEST_REDIS are not set, it first installs (if missing) and starts local
# servers with scripts/servers-up.sh. Extra arguments go to `dotnet test` (for example --filter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -z "${LEDGER_TEST_MYSQL:-}" || -z "${LEDGER_TEST_REDIS:-}" ]]; then
  eval "$(bash scripts/servers-up.sh --print-env)"
fi
if [[ -z "${LEDGER_TEST_REDIS_CLUSTER:-}" ]]; then
  eval "$(bash scripts/redis-cluster-up.sh --print-env)"
fi

# The browser test (tests/Ledger.Browser.Tests) drives Debian's chromium; install it when missing.
bash scripts/chromium-up.sh >/dev/null

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# Code coverage (coverage.runsettings, docs/coverage.md): each test project writes a Cobertura file under
# .local/coverage/raw; the coverage step below merges them into one report and gates Ledger.Core's line coverage.
rm -rf .local/coverage
dotnet test Ledger.sln -c "${CONFIGURATION:-Release}" \
  --collect "XPlat Code Coverage" --settings coverage.runsettings --results-directory .local/coverage/raw \
  "$@" 2>&1 | tee "$log" || status=$?

# A smoke run of the load generator (seconds, no timing assertion): it must run end to end against the servers,
# in a database of its own.
if [[ "${LEDGER_SKIP_SMOKE:-}" != 1 ]]; then
  echo "test.sh: load generator smoke run" >&2
  if ! ConnectionStrings__Ledger="${LEDGER_TEST_MYSQL/Database=ledger;/Database=ledger_smoke;}" \
      ConnectionStrings__Redis="$LEDGER_TEST_REDIS" \
      dotnet run -c "${CONFIGURATION:-Release}" --project perf/Ledger.LoadGen -- --smoke --out "$(mktemp -d)" >&2; then
    echo "test.sh: the load generator smoke run failed" >&2
    status=1
  fi
  # And of the baseline procedures (perf/baseline): the batch mode funds its accounts through the one-per-call
  # procedure, so this one run goes through both. About 5 s.
  echo "test.sh: baseline procedures smoke run" >&2
  if ! ConnectionStrings__Ledger="$LEDGER_TEST_MYSQL" ConnectionStrings__Redis="$LEDGER_TEST_REDIS" \
      dotnet run -c "${CONFIGURATION:-Release}" --no-build --project perf/Ledger.LoadGen -- --smoke \
        --mode baseline-batch --batch-size 10 --baseline-database ledger_baseline_smoke --out "$(mktemp -d)" >&2; then
    echo "test.sh: the baseline procedures smoke run failed" >&2
    status=1
  fi
  # And of the benchmark's wrk path (perf/benchmark.sh): the bare endpoint under wrk, the watch mode and --combine;
  # no database. About 10 s after the build.
  echo "test.sh: wrk and watch-mode smoke run" >&2
  if ! bash perf/wrk/smoke.sh --configuration "${CONFIGURATION:-Release}" >&2; then
    echo "test.sh: the wrk smoke run failed" >&2
    status=1
  fi
  # And of the JMeter plan (installs Debian's JMeter when missing; starts the API on :5080 when nothing answers there).
  echo "test.sh: JMeter smoke run" >&2
  if ! ConnectionStrings__Ledger="${LEDGER_TEST_MYSQL/Database=ledger;/Database=ledger_smoke;}" \
      ConnectionStrings__Redis="$LEDGER_TEST_REDIS" bash perf/jmeter/run.sh --smoke >&2; then
    echo "test.sh: the JMeter smoke run failed" >&2
    status=1
  fi
fi

# --- Package smoke run (docs/library-package.md) ----------------------------------------------------------------
# Packs Ledger.Core into .local/packages with a pre-release suffix unique to this run (so restore never takes a stale
# copy from the NuGet cache), then runs samples/Ledger.Sample, which references that version by PackageReference,
# in a database of its own; then builds and runs every C# block of docs/library.md and Ledger.Core/README.md against
# the same package (scripts/doc-samples.sh), each program in a database of its own.
if [[ "${LEDGER_SKIP_SMOKE:-}" != 1 ]]; then
  echo "test.sh: package sample smoke run" >&2
  sample_ok=1
  sample_suffix="ci.$(date -u +%Y%m%d%H%M%S).$$"
  rm -f .local/packages/Ledger.Core.*-ci.*
  if dotnet pack Ledger.Core -c "${CONFIGURATION:-Release}" -o .local/packages --version-suffix "$sample_suffix" >&2; then
    sample_nupkg=(.local/packages/Ledger.Core.*-"$sample_suffix".nupkg)
    sample_version="$(basename "${sample_nupkg[0]}" .nupkg)"
    sample_version="${sample_version#Ledger.Core.}"
    if ! ConnectionStrings__Ledger="${LEDGER_TEST_MYSQL/Database=ledger;/Database=ledger_sample;}" \
        ConnectionStrings__Redis="$LEDGER_TEST_REDIS" \
        dotnet run -c "${CONFIGURATION:-Release}" --project samples/Ledger.Sample -p:LedgerCoreVersion="$sample_version" >&2; then
      sample_ok=0
    fi
    echo "test.sh: doc samples (docs/library.md, Ledger.Core/README.md)" >&2
    if ! bash scripts/doc-samples.sh --version "$sample_version" --source .local/packages >&2; then
      echo "test.sh: the doc samples failed" >&2
      sample_ok=0
    fi
    # This run's version is never restored again: drop it from the NuGet cache.
    rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/ledger.core/$sample_version"
  else
    sample_ok=0
  fi
  if [[ "$sample_ok" != 1 ]]; then
    echo "test.sh: the package sample smoke run failed" >&2
    status=1
  fi
fi
# --- end of package smoke run ------------------------------------------------------------------------------------

# --- Alert rules (deploy/prometheus): promtool loads them and runs their unit tests --------------------------------
echo "test.sh: alert rules" >&2
if ! bash scripts/alerts-check.sh >&2; then
  echo "test.sh: the alert rules check failed" >&2
  status=1
fi

# --- Resilience suite, short form (docs/resilience.md) ----------------------------------------------------------
# Three API processes behind nginx with a MariaDB and a Redis Cluster of the suite's own; pods killed and rolled, a
# node lost, Redis stopped and flushed, MariaDB restarted, each under a stream of posts and reads; fails unless every
# acknowledged transfer is in the database exactly once and the verifier is clean. About two minutes.
if [[ "${LEDGER_SKIP_RESILIENCE:-}" != 1 ]]; then
  echo "test.sh: resilience suite (short form)" >&2
  if bash scripts/resilience.sh >"$log.resilience" 2>&1; then
    grep -E '^resilience: [0-9]+ scenarios' "$log.resilience" >&2 || true
  else
    tail -n 60 "$log.resilience" >&2
    echo "test.sh: the resilience suite failed (the last 60 lines of its output are above)" >&2
    status=1
  fi
  rm -f "$log.resilience"
fi
# --- end of resilience suite --------------------------------------------------------------------------------------

# --- Coverage report and gate (docs/coverage.md) -----------------------------------------------------------------
# Merges the Cobertura files into .local/coverage (HTML, Markdown, JSON) and prints the "coverage:" line; fails when
# Ledger.Core's line coverage is below the gate. Extra arguments (for example --filter) make the run partial, so
# the report is then written but not gated.
echo "test.sh: coverage report" >&2
coverage_args=()
if [[ $# -gt 0 ]]; then
  coverage_args=(--no-gate)
fi
if ! bash scripts/coverage.sh "${coverage_args[@]}" .local/coverage/raw; then
  echo "test.sh: the coverage step failed" >&2
  status=1
fi
# --- end of coverage report and gate ------------------------------------------------------------------------------

# One closing line over all test assemblies, from dotnet test's per-assembly summaries.
awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { failed  += $(i + 1) + 0 }
      if ($i == "Passed:")  { passed  += $(i + 1) + 0 }
      if ($i == "Skipped:") { skipped += $(i + 1) + 0 }
    }
    assemblies++
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped;
        if (assemblies == 0) { print "test.sh: no test assembly reported a result" > "/dev/stderr"; exit 1 } }
' "$log" || status=1
exit "$status"
