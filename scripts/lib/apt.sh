# shellcheck shell=bash
# Sourced, not run: `source "<repo>/scripts/lib/apt.sh"`. The one way our scripts install Debian packages they need
# (servers-up.sh, redis-cluster-up.sh, chromium-up.sh, resilience.sh, alerts-check.sh, perf/overload.sh,
# perf/jmeter/run.sh).
#
#   apt_install [APT-OPTION...] PACKAGE...
#
# Runs apt-get install as root, or through sudo when not root; waits up to 5 minutes for another apt-get's lock
# instead of failing; keeps existing configuration files; runs apt-get update only when the plain install fails (the
# package lists of a fresh machine are often empty or stale), then tries once more. Output goes to stderr. Returns
# non-zero when the packages could not be installed; the caller says what that means.
apt_install() {
  local elevate=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "apt_install: not root and sudo is missing: run as root or install sudo" >&2
      return 1
    fi
    elevate=(sudo)
  fi
  local apt=("${elevate[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  local install=(install -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@")
  "${apt[@]}" "${install[@]}" >&2 && return 0
  echo "apt_install: apt-get install failed; running apt-get update and trying again" >&2
  "${apt[@]}" update >&2 && "${apt[@]}" "${install[@]}" >&2
}
