#!/usr/bin/env bash
# The resilience suite (docs/resilience.md): three API processes behind nginx, with a MariaDB and a 3-node Redis
# Cluster of the suite's own, under a steady stream of posts and reads; pods killed, rolled, a node lost, Redis
# stopped and flushed, MariaDB restarted; after each fault, the proof that nothing acknowledged was lost.
#
#   scripts/resilience.sh                 short form (what CI runs, about two minutes): results in .local/resilience/<time>/
#   scripts/resilience.sh --long          long form (about ten minutes): results in perf/results/<date>/resilience/,
#                                         plots in docs/resilience/ (the published figures)
#   scripts/resilience.sh --only pod-kill,database-restart    just those scenarios (any form)
#
# Installs what is missing with apt-get (mariadb-server, redis-server, nginx-light); needs root or sudo, like
# scripts/servers-up.sh. Exits non-zero when any scenario's proof fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { echo "resilience.sh: $*" >&2; }

form=short
args=()
while (( $# > 0 )); do
  case "$1" in
    --long) form=long ;;
    --short) form=short ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

source scripts/lib/apt.sh
for tool in mariadbd:mariadb-server mariadb-install-db:mariadb-server mariadb-admin:mariadb-server \
            redis-server:redis-server redis-cli:redis-server nginx:nginx-light; do
  require_command "${tool%%:*}" "${tool#*:}" || exit 1
done

configuration="${CONFIGURATION:-Release}"
if [[ "${LEDGER_RESILIENCE_NO_BUILD:-}" != 1 ]]; then
  dotnet build Ledger.Api -c "$configuration" -v quiet -nologo >&2
  dotnet build tests/Ledger.Resilience -c "$configuration" -v quiet -nologo >&2
fi

if [[ "$form" == long ]]; then
  out="perf/results/$(date -u +%Y-%m-%d)/resilience"
  plots="docs/resilience"
else
  out=".local/resilience/$(date -u +%Y%m%d-%H%M%S)"
  plots="$out"
fi
mkdir -p "$out" "$plots"

status=0
dotnet "tests/Ledger.Resilience/bin/$configuration/net10.0/Ledger.Resilience.dll" \
  --api-dll "Ledger.Api/bin/$configuration/net10.0/Ledger.Api.dll" \
  --form "$form" --out "$out" --plots "$plots" "${args[@]}" || status=$?
# The processes' logs are kept for a failed run only (they are large).
if [[ $status -eq 0 ]]; then
  rm -rf "$out/work"
fi
exit "$status"
