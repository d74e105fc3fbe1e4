#!/usr/bin/env bash
# Checks the Prometheus alert rules (deploy/prometheus/ledger-rules.yaml, which the Helm chart ships) with promtool:
# `promtool check rules` (they load), then `promtool test rules deploy/prometheus/ledger-rules.test.yaml` (each
# alert fires on the series it is meant for, after its `for`, with the labels and annotations on-call gets, and stays
# silent on the others). promtool comes with Debian's prometheus package, installed here when missing (no service is
# started). scripts/test.sh runs this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/deploy/prometheus"

if ! command -v promtool >/dev/null 2>&1; then
  sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  echo "alerts-check: promtool missing: installing Debian's prometheus package (for promtool only)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >&2 \
    || { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
         && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >&2; }
fi

promtool check rules ledger-rules.yaml >&2
promtool test rules ledger-rules.test.yaml >&2
echo "alerts: ledger-rules.yaml loads and its unit tests pass (promtool $(promtool --version 2>&1 | awk 'NR==1 {print $3}'))"
