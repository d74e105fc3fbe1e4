# shellcheck shell=bash
# Sourced, not run: `source "<repo>/scripts/lib/apt.sh"`. The one way our scripts install the Debian packages they
# need: every script that calls a program a minimal Debian lacks (curl, python3, unzip, npm, procps, the servers,
# chromium, promtool, jmeter, wrk) makes sure of it here first, so the README's two commands work on a machine that
# has only the .NET SDK.
#
#   require_command COMMAND PACKAGE...
#
# Returns at once when COMMAND is on PATH (or in an sbin folder); otherwise installs PACKAGE... with apt_install and
# checks that COMMAND is there now. On failure it prints one line naming COMMAND and the packages, and returns
# non-zero: callers write `require_command curl curl || exit 1`.
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

require_command() {
  local command="$1" who="${0##*/}"
  shift
  [[ $# -gt 0 ]] || { echo "require_command: usage: require_command COMMAND PACKAGE..." >&2; return 2; }
  case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "$who: $command is missing: installing $* with apt-get" >&2
  if ! apt_install "$@"; then
    echo "$who: $command is missing and apt-get install $* failed" >&2
    return 1
  fi
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "$who: $command is still missing after apt-get install $*" >&2
  return 1
}
