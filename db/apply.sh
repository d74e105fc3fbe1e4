#!/usr/bin/env bash
# Applies the scripts of this folder to a database with the mysql (or mariadb) command-line client, journaling each one
# exactly as the application's migrator does, so either side skips what the other applied. Stops at the first failure
# with a non-zero exit: a failed script, a journal that cannot be read or written, a missing client. No procedure is
# applied after a migration failed.
#
#   db/apply.sh DATABASE [CLIENT OPTIONS...]           apply what is pending, in order
#   db/apply.sh --list DATABASE [CLIENT OPTIONS...]    every script of this release: applied or pending; changes nothing
#   db/apply.sh --check DATABASE [CLIENT OPTIONS...]   the pending ones; exit 3 when there are any; changes nothing
#
# CLIENT OPTIONS go to every client call. Give the credentials in an option file, so the client never prompts:
#   db/apply.sh ledger --defaults-extra-file=$HOME/.ledger-migrator.cnf
# with the file (chmod 600) holding
#   [client]
#   host=db.example.internal
#   user=ledger_migrator
#   password=...
# Run it as the schema's owner (ledger_migrator of db/grants.sql). MYSQL_CLIENT picks the client program (default:
# mysql, else mariadb).
#
# Exit codes: 0 done (or nothing pending), 1 a failure (the message names it), 2 wrong usage, 3 --check: pending.
set -uo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "apply: FAILED: $*" >&2; exit 1; }

mode=apply
case "${1:-}" in
  --list) mode=list; shift ;;
  --check) mode=check; shift ;;
  -h|--help|"") usage ;;
esac
[[ $# -ge 1 && "$1" != -* ]] || usage
db="$1"; shift
options=("$@")
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

client="${MYSQL_CLIENT:-}"
if [[ -z "$client" ]]; then
  if command -v mysql >/dev/null 2>&1; then client=mysql; elif command -v mariadb >/dev/null 2>&1; then client=mariadb; fi
fi
[[ -n "$client" ]] && command -v "$client" >/dev/null 2>&1 || fail "no mysql or mariadb client found (set MYSQL_CLIENT)"
for tool in sha256sum tr cut; do command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing"; done

sql() { "$client" "${options[@]}" --batch --skip-column-names "$@"; }
quoted_db="\`${db//\`/\`\`}\`"
journal=ledger_schema_journal

# Scripts without carriage returns: a copy with CRLF line endings runs, and is journaled, as its LF original.
lf() { tr -d '\r' <"$1"; }
journal_name() {  # KIND FILE
  if [[ "$1" == procedures ]]; then
    printf 'procedures/%s@%s' "$(basename "$2")" "$(lf "$2" | sha256sum | cut -c1-16)"
  else
    printf 'migrations/%s' "$(basename "$2")"
  fi
}

# What the journal records. Reading it must work: a failed read is a failure, never "already applied".
exists="$(sql -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db//\'/\'\'}' AND TABLE_NAME = '$journal'")" \
  || fail "could not ask the server whether $db.$journal exists (connection, login or privileges; see the client's message above)"
declare -A applied=()
if [[ "$exists" == 1 ]]; then
  names="$(sql -e "SELECT script_name FROM $quoted_db.$journal")" \
    || fail "could not read $db.$journal (the owner needs SELECT on it; see the client's message above)"
  while IFS= read -r name; do [[ -n "$name" ]] && applied["$name"]=1; done <<<"$names"
elif [[ "$mode" == apply ]]; then
  sql -e "CREATE DATABASE IF NOT EXISTS $quoted_db CHARACTER SET utf8mb4" || fail "could not create database $db"
  sql "$db" -e "CREATE TABLE IF NOT EXISTS $journal (
      id INT AUTO_INCREMENT PRIMARY KEY, script_name VARCHAR(255) NOT NULL UNIQUE, applied_at DATETIME(6) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" || fail "could not create $db.$journal"
fi

pending=0 done_count=0
for kind in migrations procedures; do
  for file in "$here/$kind"/*.sql; do
    [[ -e "$file" ]] || continue
    name="$(journal_name "$kind" "$file")" || fail "could not hash $file"
    if [[ -n "${applied[$name]:-}" ]]; then
      [[ "$mode" == list ]] && echo "applied  $name"
      continue
    fi
    pending=$((pending + 1))
    if [[ "$mode" != apply ]]; then
      echo "pending  $name"
      continue
    fi
    lf "$file" | sql "$db" || fail "script $name failed (nothing after it was applied; mend it and run again)"
    sql "$db" -e "INSERT INTO $journal (script_name, applied_at) VALUES ('$name', UTC_TIMESTAMP(6))" \
      || fail "script $name was applied but could not be journaled: record it by hand before anything else"
    echo "applied  $name"
    done_count=$((done_count + 1))
  done
done

case "$mode" in
  apply) echo "apply: $db: $done_count scripts applied, up to date" ;;
  *)
    if [[ $pending -eq 0 ]]; then echo "apply: $db is up to date"; else echo "apply: $db: $pending scripts pending"; fi
    [[ "$mode" == check && $pending -gt 0 ]] && exit 3
    ;;
esac
exit 0
