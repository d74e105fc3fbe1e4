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

source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"

if [[ ! -x "$CHROMIUM" ]]; then
  log "$CHROMIUM is missing: installing ${PACKAGES[*]} with apt-get (a minute or two)"
  apt_install "${PACKAGES[@]}" || die "apt-get install ${PACKAGES[*]} failed"
  [[ -x "$CHROMIUM" ]] || die "$CHROMIUM still missing after apt-get install ${PACKAGES[*]}"
fi

# Debian's launcher script prints a harmless shell warning on stderr on some machines; keep only the version.
version="$("$CHROMIUM" --version 2>/dev/null)" || die "$CHROMIUM is installed but does not start ('$CHROMIUM --version' failed)"
log "$version at $CHROMIUM"
echo "$CHROMIUM"
