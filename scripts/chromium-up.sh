#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests (tests/Ledger.Browser.Tests drive it with
# Playwright; Playwright's own browser download cannot work on our machines). When /usr/bin/chromium is missing it
# installs the `chromium` package (and fonts-liberation, so screenshots have readable text) with apt-get, as root or
# through sudo. Safe to run again: when chromium is there it only checks that it starts.
#
#   scripts/chromium-up.sh    install if missing, then print the browser's path on stdout: /usr/bin/chromium
#
# Progress messages always go to stderr; stdout carries only the path.
set -euo pipefail

for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "chromium-up: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log()  { echo "chromium-up: $*" >&2; }
die()  { echo "chromium-up: ERROR: $*" >&2; exit 1; }

# The path the tests launch (SystemChromium.ExecutablePath in tests/Ledger.Browser.Tests).
CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-liberation)

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
else
  SUDO=(sudo)
fi
as_root() {
  if [[ ${#SUDO[@]} -gt 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    die "not root and sudo is missing: run as root or install sudo"
  fi
  "${SUDO[@]}" "$@"
}
# Waits for the dpkg lock instead of failing when another apt-get (servers-up.sh, a second terminal) holds it.
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${PACKAGES[@]}" >&2
}

if [[ ! -x "$CHROMIUM" ]]; then
  log "$CHROMIUM is missing: installing ${PACKAGES[*]} with apt-get (a minute or two)"
  # The package lists of a fresh machine are often empty or stale: update only when the plain install fails.
  if ! apt_install; then
    log "apt-get install failed; running apt-get update and trying again"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >&2 \
      || die "apt-get update failed"
    apt_install || die "apt-get install ${PACKAGES[*]} failed"
  fi
  [[ -x "$CHROMIUM" ]] || die "$CHROMIUM still missing after apt-get install ${PACKAGES[*]}"
fi

# Debian's launcher script prints a harmless shell warning on stderr on some machines; keep only the version.
version="$("$CHROMIUM" --version 2>/dev/null)" || die "$CHROMIUM is installed but does not start ('$CHROMIUM --version' failed)"
log "$version at $CHROMIUM"
echo "$CHROMIUM"
