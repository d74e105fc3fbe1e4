#!/usr/bin/env bash
# Runs perf/jmeter/ledger.jmx headless against the Ledger API and summarises the result file.
#
#   bash perf/jmeter/run.sh [options]
#
#   --threads N           concurrent JMeter threads (default 16)
#   --duration S          seconds each thread runs after its start (default 30)
#   --rampup S            seconds to start all threads (default 5)
#   --csv FILE            transfers CSV (id,source,destination,amount) to post; without it one is generated:
#   --accounts-prefix P   accounts to use, P-00000001 .. (default jmeter<accounts>); created with the mock data
#                         generator when P-bank and the last account do not exist yet
#   --accounts N          how many accounts (default 10000)
#   --rows M              transfers in the generated CSV (default threads x duration x 250, at least 2000);
#                         each row is posted once, so the threads stop early when the file runs out
#   --hot F               share of transfers touching one of the first --hot-accounts (default 0: uniform)
#   --hot-accounts K      (default 10)
#   --seed S              seed of the generated accounts and CSV (default 42)
#   --host H --port P     the API (default 127.0.0.1 5080)
#   --key K               API key with the poster and reader roles (default ledger-dev-key-change-me)
#   --out DIR             where the JTL, log, CSV and summary go (default perf/jmeter/results/<time>)
#   --start-api           when nothing answers on host:port, start the API (bash scripts/run.sh, Release) for
#                         the run and stop it afterwards
#   --smoke               a check that it all runs, for CI: 2 threads, 5 s, 1 s ramp-up, 200 accounts,
#                         implies --start-api
#
# Installs Debian's JMeter (and curl, python3 and a JDK) with apt-get when missing (JMETER and JMETER_HOME choose another one; the
# fix below is applied only to JMeter 2.x). Debian's JMeter 2.13 cannot load any plan under Java 17 (XStream's
# allow-list refuses its types) and still exits 0, so this script compiles the converter in perf/jmeter/xstream-fix,
# registers it through a patched copy of saveservice.properties, and fails unless the result file holds samples,
# at least one of them successful. The mock data generator needs ConnectionStrings__Ledger; when it is not set the
# local servers' settings are used (scripts/servers-up.sh --print-env).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

threads=16 duration=30 rampup=5 csv="" prefix="" accounts=10000 rows="" hot=0 hot_accounts=10 seed=42
host=127.0.0.1 port=5080 key=ledger-dev-key-change-me out="" start_api=0

die() { echo "jmeter-run: ERROR: $*" >&2; exit 1; }
log() { echo "jmeter-run: $*" >&2; }
need() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) need "$@"; threads="$2"; shift 2 ;;
    --duration) need "$@"; duration="$2"; shift 2 ;;
    --rampup) need "$@"; rampup="$2"; shift 2 ;;
    --csv) need "$@"; csv="$2"; shift 2 ;;
    --accounts-prefix) need "$@"; prefix="$2"; shift 2 ;;
    --accounts) need "$@"; accounts="$2"; shift 2 ;;
    --rows) need "$@"; rows="$2"; shift 2 ;;
    --hot) need "$@"; hot="$2"; shift 2 ;;
    --hot-accounts) need "$@"; hot_accounts="$2"; shift 2 ;;
    --seed) need "$@"; seed="$2"; shift 2 ;;
    --host) need "$@"; host="$2"; shift 2 ;;
    --port) need "$@"; port="$2"; shift 2 ;;
    --key) need "$@"; key="$2"; shift 2 ;;
    --out) need "$@"; out="$2"; shift 2 ;;
    --start-api) start_api=1; shift ;;
    --smoke) threads=2 duration=5 rampup=1 accounts=200 start_api=1; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done

for n in threads duration rampup accounts port; do
  [[ "${!n}" =~ ^[0-9]+$ && "${!n}" -gt 0 ]] || die "--$n must be a positive whole number, got '${!n}'"
done
[[ "$rampup" -le "$duration" ]] || log "note: --rampup $rampup is longer than --duration $duration"
prefix="${prefix:-jmeter$accounts}"
rows="${rows:-$(( threads * duration * 250 > 2000 ? threads * duration * 250 : 2000 ))}"
out="${out:-$root/perf/jmeter/results/$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
base="http://$host:$port"

# ------------------------------------------------------------------ JMeter and a Java compiler
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/apt.sh"
install_quietly() {
  log "installing $* with apt-get"
  apt_install "$@" 2>>"$out/apt.log" || die "apt-get install $* failed (see $out/apt.log)"
}
require_command curl curl || exit 1        # the readiness wait below
require_command python3 python3 || exit 1  # JMeter's version, and summarize.py
command -v "${JMETER:-jmeter}" >/dev/null 2>&1 || install_quietly jmeter
command -v javac >/dev/null 2>&1 || install_quietly default-jdk-headless
jmeter_home="${JMETER_HOME:-/usr/share/jmeter}"
[[ -f "$jmeter_home/bin/ApacheJMeter.jar" ]] || die "no JMeter in $jmeter_home (set JMETER_HOME)"
jmeter_version="$(python3 -c 'import sys, zipfile
m = zipfile.ZipFile(sys.argv[1]).read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
print(next((l.split(":", 1)[1].strip() for l in m.splitlines() if l.startswith("Implementation-Version:")), "?"))' \
  "$jmeter_home/bin/ApacheJMeter.jar")"
log "JMeter $jmeter_version in $jmeter_home"

fix_args=()
if [[ "$jmeter_version" == 2.* ]]; then
  # The XStream fix: compile the converter against JMeter's jars and the XStream it uses, and list it in a copy
  # of saveservice.properties. JMeter resolves saveservice_properties as jmeter.home + value, hence the
  # "/"-prefixed relative path.
  xstream_jar=/usr/share/java/xstream.jar
  for jar in "$jmeter_home"/lib/xstream*.jar; do [[ -f "$jar" ]] && xstream_jar="$jar" && break; done
  [[ -f "$xstream_jar" ]] || die "cannot find XStream's jar (looked in $jmeter_home/lib and /usr/share/java)"
  mkdir -p "$out/xstream-fix"
  javac -nowarn -Xlint:-path -d "$out/xstream-fix" \
    -cp "$jmeter_home/lib/*:$jmeter_home/lib/ext/*:$xstream_jar" \
    "$here/xstream-fix/ledger/jmeter/AllowJMeterTypes.java"
  cp "$jmeter_home/bin/saveservice.properties" "$out/saveservice.properties"
  printf '\n# Allows JMeter'"'"'s own types in XStream (perf/jmeter/xstream-fix/ledger/jmeter/AllowJMeterTypes.java)\n_ledger.jmeter.AllowJMeterTypes=collection\n' \
    >>"$out/saveservice.properties"
  fix_args=("-Jsaveservice_properties=/$(realpath --relative-to="$jmeter_home" "$out/saveservice.properties")"
            "-Juser.classpath=$out/xstream-fix")
fi

# ------------------------------------------------------------------ the API
api_pgid=""
cleanup() {
  if [[ -n "$api_pgid" ]]; then
    log "stopping the API this script started (process group $api_pgid)"
    kill -TERM -- "-$api_pgid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 -- "-$api_pgid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$api_pgid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

ready() { curl -s -o /dev/null -m 2 -f "$base/health/ready"; }
if ! ready; then
  [[ "$start_api" -eq 1 ]] || die "nothing answers on $base/health/ready: start the API (bash scripts/run.sh) or pass --start-api"
  log "starting the API on $base (log: $out/api.log)"
  # In a session of its own, so that stopping its process group ends dotnet run and the API, and nothing else.
  # The session leader writes its own pid (setsid forks when the caller leads a process group, so $! may differ).
  rm -f "$out/api.pid"
  # shellcheck disable=SC2016 # $$, $1 and $2 belong to the inner shell
  ASPNETCORE_URLS="http://$host:$port" CONFIGURATION="${CONFIGURATION:-Release}" \
    setsid bash -c 'echo $$ >"$1"; exec bash "$2"' api "$out/api.pid" "$root/scripts/run.sh" \
    >"$out/api.log" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [[ -s "$out/api.pid" ]] && break; sleep 0.1; done
  api_pgid="$(cat "$out/api.pid" 2>/dev/null || true)"
  [[ -n "$api_pgid" ]] || die "could not start the API (see $out/api.log)"
  for _ in $(seq 1 300); do
    ready && break
    kill -0 -- "-$api_pgid" 2>/dev/null || { api_pgid=""; die "the API exited while starting (see $out/api.log)"; }
    sleep 1
  done
  ready || die "the API did not become ready in 300 s (see $out/api.log)"
fi

# ------------------------------------------------------------------ the CSV
if [[ -z "$csv" ]]; then
  # The generator writes straight into the database; without settings, the local servers' (started if needed).
  if [[ -z "${ConnectionStrings__Ledger:-}" ]]; then
    eval "$(bash "$root/scripts/servers-up.sh" --print-env)"
  fi
  mockdata=(dotnet run -c Release --project "$root/perf/Ledger.MockData" --)
  log "accounts: $prefix-00000001 .. ($accounts), created unless they exist"
  "${mockdata[@]}" accounts --count "$accounts" --prefix "$prefix" --seed "$seed" --if-missing --plain
  csv="$out/transfers.csv"
  "${mockdata[@]}" transfers --accounts-prefix "$prefix" --accounts "$accounts" --count "$rows" --seed "$seed" \
    --hot "$hot" --hot-accounts "$hot_accounts" --out "$csv" --plain
fi
[[ -f "$csv" ]] || die "no CSV at $csv"
csv="$(cd "$(dirname "$csv")" && pwd)/$(basename "$csv")"
csv_rows=$(( $(wc -l <"$csv") - 1 ))
[[ "$csv_rows" -gt 0 ]] || die "$csv has no rows"

# ------------------------------------------------------------------ JMeter
jtl="$out/results.jtl"
rm -f "$jtl"
log "JMeter: $threads threads, ramp-up $rampup s, $duration s, $csv_rows transfers from $csv -> $jtl"
(
  cd "$out"
  "${JMETER:-jmeter}" -n -t "$here/ledger.jmx" -l "$jtl" -j "$out/jmeter.log" "${fix_args[@]}" \
    -Jthreads="$threads" -Jduration="$duration" -Jrampup="$rampup" -Jcsv="$csv" \
    -Jhost="$host" -Jport="$port" -Jkey="$key" \
    -Jsummariser.interval=10 \
    -Jjmeter.save.saveservice.output_format=csv \
    -Jjmeter.save.saveservice.print_field_names=true \
    -Jjmeter.save.saveservice.default_delimiter=, \
    -Jjmeter.save.saveservice.timestamp_format=ms \
    -Jjmeter.save.saveservice.time=true \
    -Jjmeter.save.saveservice.label=true \
    -Jjmeter.save.saveservice.response_code=true \
    -Jjmeter.save.saveservice.response_message=true \
    -Jjmeter.save.saveservice.successful=true \
    -Jjmeter.save.saveservice.assertion_results_failure_message=true \
    -Jjmeter.save.saveservice.thread_name=true \
    -Jjmeter.save.saveservice.data_type=false \
    -Jjmeter.save.saveservice.bytes=true \
    -Jjmeter.save.saveservice.thread_counts=true \
    -Jjmeter.save.saveservice.latency=true \
    -Jjmeter.save.saveservice.connect_time=true \
    -Jjmeter.save.saveservice.response_data.on_error=false
) || die "jmeter exited with $? (see $out/jmeter.log)"

if grep -q -E "ForbiddenClassException|Error in NonGUIDriver|Problem loading XML" "$out/jmeter.log" 2>/dev/null; then
  grep -m 3 -E "ForbiddenClassException|Error in NonGUIDriver|Problem loading XML" "$out/jmeter.log" | cut -c1-300 >&2
fi
[[ -s "$jtl" ]] || die "JMeter wrote no results to $jtl (it exits 0 even when it cannot load the plan; see $out/jmeter.log)"
python3 "$here/summarize.py" "$jtl" --csv-rows "$csv_rows" | tee "$out/summary.md" \
  || die "no sample in $jtl succeeded, or there were none (see above and $out/jmeter.log)"
log "results in $out"
