#!/usr/bin/env bash
# Where a batch spends its time (docs/performance.md): profiles Ledger's posting procedures statement by statement and
# measures by A/B runs what the foreign keys and the secondary indexes cost, with the baseline procedures of
# perf/baseline beside them. Everything runs on a MariaDB of its own (the same settings as scripts/servers-up.sh, plus
# performance_schema, which the shared server runs without and which can only be turned on at start), from one client,
# one call after another, so the figures are the database's own work, not queueing. About two minutes; the server and
# its data are removed at the end. Needs root (the data folder belongs to mysql) and python3.
#
#   bash perf/profile/run.sh [--calls N] [--batch-size N] [--singles N] [--accounts N] [--rounds N] [--out DIR] [--keep]
#     --calls N       batch calls per run (default 200)        --batch-size N  transfers per batch call (default 100)
#     --singles N     one-transfer calls per run (default 1000) --accounts N   accounts (default 1000)
#     --rounds N      A/B rounds (default 3; the table gives the least and the median: the machine is shared)
#     --out DIR       where the Markdown goes (default perf/results/<date>/procedure-profile.md)
#     --keep          keep the server's folder (/var/tmp/ledger-profile-*) for a look afterwards
#
# 1. Profile: performance_schema's statement instruments on, events_statements_history_long read after --calls
#    batches of ledger_post_transfers and after --singles calls of ledger_post_transfer: wall time, internal temporary
#    tables and rows examined per statement of the procedures, the CALL and the COMMIT.
# 2. A/B, instruments off: the CPU of this mariadbd (utime + stime from /proc/PID/stat) per transfer over the same
#    transfers posted by: ledger_post_transfers as deployed; the same with SET foreign_key_checks = 0 (the FK checks'
#    cost); the same in a copy of the schema without the foreign keys and secondary indexes of transfers, entries and
#    outbox (their cost with the index maintenance); ledger_post_transfer; baseline_post_transfers;
#    baseline_post_transfer. --rounds times, in that order, with other transfers each round.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

calls=200 size=100 singles=1000 accounts=1000 rounds=3 keep=0 out=""
history_size=200000   # statements performance_schema keeps: enough for the profiles below, checked before reading
while [[ $# -gt 0 ]]; do
  case "$1" in
    --calls) calls="$2"; shift 2 ;;
    --batch-size) size="$2"; shift 2 ;;
    --singles) singles="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$calls" "$size" "$singles" "$accounts" "$rounds"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "profile: counts must be positive integers" >&2; exit 2; }
done
out="${out:-perf/results/$(date -u +%Y-%m-%d)}"
mkdir -p "$out"
report="$out/procedure-profile.md"

log() { echo "profile: $*" >&2; }
die() { echo "profile: ERROR: $*" >&2; exit 1; }
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[[ "$(id -u)" -eq 0 ]] || die "run as root: the server's data folder must belong to mysql"
for bin in mariadbd mariadb-install-db mariadb mariadb-admin python3 setsid; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin is missing (scripts/servers-up.sh installs MariaDB)"
done

# ------------------------------------------------------------------ a MariaDB of our own
dir="$(mktemp -d /var/tmp/ledger-profile-XXXXXX)"
chmod 755 "$dir"
chown mysql:mysql "$dir"
sock="$dir/mysqld.sock"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    mariadb-admin --no-defaults --socket="$sock" -uroot shutdown >/dev/null 2>&1 || kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  if [[ "$keep" == 1 ]]; then log "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" --auth-root-authentication-method=socket \
  --skip-test-db >"$dir/install.log" 2>&1 || { tail -n 20 "$dir/install.log" >&2; die "mariadb-install-db failed"; }
setsid mariadbd --no-defaults --user=mysql --datadir="$dir/data" --bind-address=127.0.0.1 --port="$port" \
  --socket="$sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" --skip-log-bin \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --innodb-flush-log-at-trx-commit=1 \
  --innodb-buffer-pool-size=512M --max-connections=100 --log-bin-trust-function-creators=1 \
  --performance-schema=ON --performance-schema-events-statements-history-long-size="$history_size" \
  </dev/null >"$dir/console.log" 2>&1 &
for _ in $(seq 1 100); do
  mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 && break
  sleep 0.3
done
mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 || { tail -n 30 "$dir/error.log" >&2; die "mariadbd did not start"; }
server_pid="$(cat "$dir/mariadbd.pid")"
[[ "$(cat "/proc/$server_pid/comm")" == mariadbd ]] || die "pid $server_pid from the pid file is not mariadbd"
log "mariadbd $(mariadb --no-defaults --socket="$sock" -uroot -N -e 'SELECT VERSION()') on port $port, pid $server_pid, $dir"

sql() { mariadb --no-defaults --socket="$sock" -uroot --batch --skip-column-names "$@"; }
ticks_per_second="$(getconf CLK_TCK 2>/dev/null || echo 100)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }   # comm is "(mariadbd)": no space to shift fields

# ------------------------------------------------------------------ databases
# Ledger's schema as deployed (db/apply.sh), a copy without foreign keys and secondary indexes, and the baseline.
# Every account starts with 5,000.00 (what the load generator funds it with), so few transfers are refused.
ledger_db() {
  sql -e "CREATE DATABASE $1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  MYSQL_CLIENT=mariadb bash db/apply.sh "$1" --no-defaults --socket="$sock" -uroot >/dev/null
  sql "$1" -e "INSERT INTO accounts (id, currency, balance, overdraft_limit, version, created_at, created_by, updated_at)
               SELECT CONCAT('p-', LPAD(seq, 6, '0')), 'USD', 500000, 0, 0, NOW(6), 'profile', NOW(6)
                 FROM seq_0_to_$((accounts - 1))"
}
ledger_db ledger_profile
ledger_db ledger_profile_bare
sql ledger_profile_bare <<'SQL'
ALTER TABLE entries DROP FOREIGN KEY fk_entries_transfer, DROP FOREIGN KEY fk_entries_account;
ALTER TABLE entries DROP INDEX ix_entries_transfer;
ALTER TABLE transfers DROP FOREIGN KEY fk_transfers_source, DROP FOREIGN KEY fk_transfers_destination,
                      DROP FOREIGN KEY fk_transfers_currency, DROP FOREIGN KEY fk_transfers_reversal_of;
ALTER TABLE transfers DROP INDEX ix_transfers_source, DROP INDEX ix_transfers_destination,
                      DROP INDEX fk_transfers_currency, DROP INDEX uq_transfers_reversal_of;
ALTER TABLE outbox DROP FOREIGN KEY fk_outbox_account;
ALTER TABLE outbox DROP INDEX fk_outbox_account;
SQL
sql -e "CREATE DATABASE ledger_baseline CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
for f in schema.sql baseline_apply_transfer.sql baseline_post_transfer.sql baseline_post_transfers.sql; do
  sql ledger_baseline <"perf/baseline/$f"
done
sql ledger_baseline -e "INSERT INTO accounts (id, balance) SELECT CONCAT('p-', LPAD(seq, 6, '0')), 500000 FROM seq_0_to_$((accounts - 1))"

work="$dir/sql"
mkdir -p "$work"
gen() { python3 perf/profile/generate.py "$@"; }
post() {  # post DATABASE FILE: the client's output is the procedures' result sets, not needed
  sql "$1" <"$2" >/dev/null
}
log "warming up"
for kind in ledger-batch baseline-batch; do gen "$kind" 20 "$size" "$accounts" 1 >"$work/warm-$kind.sql"; done
post ledger_profile "$work/warm-ledger-batch.sql"
post ledger_profile_bare "$work/warm-ledger-batch.sql"
post ledger_baseline "$work/warm-baseline-batch.sql"

# ------------------------------------------------------------------ 1. profile
ps_on() {
  sql -e "UPDATE performance_schema.setup_instruments SET enabled = 'YES', timed = 'YES' WHERE name LIKE 'statement/%';
          UPDATE performance_schema.setup_consumers SET enabled = 'YES'
           WHERE name IN ('global_instrumentation', 'thread_instrumentation', 'events_statements_current',
                          'events_statements_history_long', 'statements_digest');
          TRUNCATE performance_schema.events_statements_history_long;"
}
ps_off() {
  sql -e "UPDATE performance_schema.setup_consumers SET enabled = 'NO';
          UPDATE performance_schema.setup_instruments SET enabled = 'NO', timed = 'NO';"
}
statements() {  # statements CALL_PREFIX PROCEDURE...: the rows report.py reads
  local call="$1"; shift
  local names
  if (( $(sql -e 'SELECT COUNT(*) FROM performance_schema.events_statements_history_long') >= history_size )); then
    die "events_statements_history_long is full: profile fewer calls"
  fi
  names="$(printf "'%s'," "$@")"
  names="${names%,}"
  sql <<SQL
SELECT object_name, REGEXP_REPLACE(sql_text, '[[:space:]]+', ' '), event_name, COUNT(*),
       ROUND(SUM(timer_wait) / 1000000, 3), SUM(created_tmp_tables), SUM(rows_examined)
  FROM performance_schema.events_statements_history_long
 WHERE object_name IN ($names)
   AND (sql_text IS NULL OR sql_text NOT LIKE 'CALL %')   -- a nested CALL's time is its statements' (counted)
 GROUP BY 1, 2, 3;
SELECT '(call)', '', 'call', COUNT(*), ROUND(SUM(timer_wait) / 1000000, 3), 0, 0
  FROM performance_schema.events_statements_history_long
 WHERE event_name = 'statement/sql/call_procedure' AND sql_text LIKE '$call%';
SELECT '(commit)', '', 'commit', COUNT(*), ROUND(SUM(timer_wait) / 1000000, 3), 0, 0
  FROM performance_schema.events_statements_history_long
 WHERE event_name = 'statement/sql/commit';
SQL
}

gen ledger-batch "$calls" "$size" "$accounts" 2 >"$work/profile-batch.sql"
gen ledger-single "$singles" 1 "$accounts" 3 >"$work/profile-single.sql"
log "profiling $calls calls of ledger_post_transfers ($size transfers each)"
ps_on
post ledger_profile "$work/profile-batch.sql"
statements "CALL ledger_post_transfers(" ledger_post_transfers >"$work/batch.tsv"
log "profiling $singles calls of ledger_post_transfer"
ps_on
post ledger_profile "$work/profile-single.sql"
statements "CALL ledger_post_transfer(" ledger_post_transfer ledger_apply_transfer >"$work/single.tsv"
# The loop runs about 20 statements per transfer: fewer calls, so that the history holds them all.
baseline_calls=$(( calls * size > 4000 ? 4000 / size : calls ))
baseline_calls=$(( baseline_calls < 1 ? 1 : baseline_calls ))
gen baseline-batch "$baseline_calls" "$size" "$accounts" 2 >"$work/profile-baseline.sql"
log "profiling $baseline_calls calls of baseline_post_transfers"
ps_on
post ledger_baseline "$work/profile-baseline.sql"
statements "CALL baseline_post_transfers(" baseline_post_transfers baseline_apply_transfer >"$work/baseline.tsv"
ps_off

# ------------------------------------------------------------------ 2. A/B: the server's CPU per transfer
measure() {  # measure LABEL DATABASE FILE TRANSFERS [SQL to run first in the session]
  local file="$3"
  if [[ -n "${5:-}" ]]; then
    file="$work/with-setting.sql"
    { echo "$5"; cat "$3"; } >"$file"
  fi
  local t0 w0 t1 w1 n0 n1
  n0="$(sql "$2" -e 'SELECT COUNT(*) FROM transfers')"
  t0="$(cpu_ticks)"; w0="$(date +%s%N)"
  post "$2" "$file"
  t1="$(cpu_ticks)"; w1="$(date +%s%N)"
  n1="$(sql "$2" -e 'SELECT COUNT(*) FROM transfers')"
  # Per transfer sent; the posted count shows that none was a replay (a few may be refused for funds).
  python3 -c "import sys; t, hz, n, w = map(float, sys.argv[1:5]); print(f'{sys.argv[5]}\t{t / hz * 1e6 / n:.1f}\t{w / 1e3 / n:.1f}\t{sys.argv[6]}')" \
    "$((t1 - t0))" "$ticks_per_second" "$4" "$((w1 - w0))" "$1" "$((n1 - n0))/$4" >>"$work/ab.tsv"
}
: >"$work/ab.tsv"
batch_transfers=$((calls * size))
for round in $(seq 1 "$rounds"); do
  seed=$((10 + round))
  gen ledger-batch "$calls" "$size" "$accounts" "$seed" >"$work/ab-ledger-batch.sql"
  # The same transfers under other ids: posted into the same database again, they must not be replays.
  gen ledger-batch "$calls" "$size" "$accounts" "$seed" $((seed + 100)) >"$work/ab-ledger-batch-again.sql"
  gen baseline-batch "$calls" "$size" "$accounts" "$seed" >"$work/ab-baseline-batch.sql"
  gen ledger-single "$singles" 1 "$accounts" "$seed" $((seed + 200)) >"$work/ab-ledger-single.sql"
  gen baseline-single "$singles" 1 "$accounts" "$seed" $((seed + 200)) >"$work/ab-baseline-single.sql"
  log "A/B round $round"
  measure "ledger_post_transfers, as deployed" ledger_profile "$work/ab-ledger-batch.sql" "$batch_transfers"
  measure "ledger_post_transfers, SET foreign_key_checks = 0" ledger_profile "$work/ab-ledger-batch-again.sql" "$batch_transfers" \
    "SET SESSION foreign_key_checks = 0;"
  measure "ledger_post_transfers, no foreign keys or secondary indexes on transfers, entries, outbox (except ix_outbox_unpublished)" \
    ledger_profile_bare "$work/ab-ledger-batch.sql" "$batch_transfers"
  measure "baseline_post_transfers (loop)" ledger_baseline "$work/ab-baseline-batch.sql" "$batch_transfers"
  measure "ledger_post_transfer, one per call" ledger_profile "$work/ab-ledger-single.sql" "$singles"
  measure "baseline_post_transfer, one per call" ledger_baseline "$work/ab-baseline-single.sql" "$singles"
done

# ------------------------------------------------------------------ report
{
  echo "# Procedure profile, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "MariaDB $(sql -e 'SELECT VERSION()') of its own (performance_schema on, durable commits, 512 MB buffer pool),"
  echo "$accounts accounts, one client posting one call after another; $(nproc) cores shared with whatever else runs"
  echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)). Command: \`bash perf/profile/run.sh --calls $calls --batch-size $size --singles $singles --accounts $accounts\`."
  echo
  echo "## ledger_post_transfers, statement by statement"
  echo
  python3 perf/profile/report.py statements "$size" <"$work/batch.tsv"
  echo
  echo "## ledger_post_transfer (ledger_apply_transfer), statement by statement"
  echo
  python3 perf/profile/report.py statements 1 <"$work/single.tsv"
  echo
  echo "## baseline_post_transfers (the plain loop of perf/baseline), statement by statement"
  echo
  python3 perf/profile/report.py statements "$size" <"$work/baseline.tsv"
  echo
  echo "## A/B: CPU of mariadbd per transfer (instruments off)"
  echo
  python3 - "$work/ab.tsv" <<'PY'
import statistics
import sys
runs = {}
for line in open(sys.argv[1], encoding="utf-8"):
    label, cpu, wall, posted = line.rstrip("\n").split("\t")
    runs.setdefault(label, []).append((float(cpu), float(wall), posted))
least = {label: min(r[0] for r in v) for label, v in runs.items()}
median = {label: statistics.median(r[0] for r in v) for label, v in runs.items()}
def find(prefix):
    return next((label for label in runs if label.startswith(prefix)), None)
base = {"batch": find("baseline_post_transfers"), "single": find("baseline_post_transfer,")}
print("| run | CPU µs per transfer, each round | least | median | least ÷ the baseline's least (same kind) | wall µs per transfer, each round | posted / sent |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for label, v in runs.items():
    b = base["single" if "one per call" in label else "batch"]
    ratio = f"{least[label] / least[b]:.2f}" if b else "n/a"
    print(f"| {label} | {', '.join(f'{r[0]:.0f}' for r in v)} | {least[label]:.0f} | {median[label]:.0f} | {ratio} | "
          f"{', '.join(f'{r[1]:.0f}' for r in v)} | {', '.join(r[2] for r in v)} |")
deployed, fk, bare = find("ledger_post_transfers, as deployed"), find("ledger_post_transfers, SET foreign_key_checks"), find("ledger_post_transfers, no foreign")
if deployed and fk and bare:
    for name, of in (("least", least), ("median", median)):
        d, f, b = of[deployed], of[fk], of[bare]
        print()
        print(f"By the {name}: the foreign-key checks cost {d - f:.0f} µs per transfer ({100 * (d - f) / d:.0f} % of the batch's CPU); "
              f"maintaining the secondary indexes (those the keys need, and uq_transfers_reversal_of) {f - b:.0f} µs "
              f"({100 * (f - b) / d:.0f} %); together {d - b:.0f} µs ({100 * (d - b) / d:.0f} %).")
PY
} >"$report"
cat "$report"
log "wrote $report"
