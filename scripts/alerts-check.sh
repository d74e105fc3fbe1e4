#!/usr/bin/env bash
# Checks the Prometheus alert rules (deploy/prometheus/ledger-rules.yaml, which the Helm chart ships) with promtool:
# `promtool check rules` (they load), then `promtool test rules deploy/prometheus/ledger-rules.test.yaml` (each
# alert fires on the series it is meant for, after its `for`, with the labels and annotations on-call gets, and stays
# silent on the others), and the prometheus-adapter rule behind the HPA's transfers-per-second metric
# (deploy/prometheus-adapter). promtool comes with Debian's prometheus package, installed here when missing (no service is
# started). scripts/test.sh runs this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/deploy/prometheus"

source "$root/scripts/lib/apt.sh"
require_command promtool --no-install-recommends prometheus || exit 1

promtool check rules ledger-rules.yaml >&2
promtool test rules ledger-rules.test.yaml >&2

# The prometheus-adapter rule that serves the HPA's transfers-per-second metric (deploy/prometheus-adapter): its
# metricsQuery with the adapter's placeholders filled in must be valid PromQL giving each ledger pod's posts per second.
adapter="$root/deploy/prometheus-adapter"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
query="$(sed -n "s/^ *metricsQuery: '\(.*\)'$/\1/p" "$adapter/values.yaml")"
[[ -n "$query" ]] || { echo "alerts-check: no metricsQuery in $adapter/values.yaml" >&2; exit 1; }
query="${query//<<.Series>>/ledger_transfers_posted_total}"
query="${query//<<.LabelMatchers>>/namespace=\"ledger\",pod=~\"ledger-.*\"}"
query="${query//<<.GroupBy>>/pod}"
cat >"$work/transfers-rate.rules.yaml" <<RULES
groups:
  - name: prometheus-adapter
    rules:
      - record: ledger_transfers_posted_per_second
        expr: '$query'
RULES
cp "$adapter/transfers-rate.test.yaml" "$work/"
(cd "$work" && promtool check rules transfers-rate.rules.yaml >&2 && promtool test rules transfers-rate.test.yaml >&2)
echo "alerts: ledger-rules.yaml and the prometheus-adapter rule load and their unit tests pass (promtool $(promtool --version 2>&1 | awk 'NR==1 {print $3}'))"
