#!/usr/bin/env bash
# Starts a local MariaDB and Redis for development and tests, as plain background
# processes on loopback (no systemd, no service command). Safe to run again: when
# the servers already run it only makes sure the database and the ledger users exist.
#
# Users: 'ledger' owns every `ledger%` database (the tests create their own); 'ledger_migrator' and 'ledger_app' get
# exactly the grants of db/grants.sql on the same databases, so the split a production deployment uses (a migrator
# that defines the procedures, an application user with SELECT and EXECUTE only) runs here too.
#
#   scripts/servers-up.sh               start (installing with apt-get if needed), write the env file
#   scripts/servers-up.sh --print-env   the same, then print only the export lines on stdout:
#                                       eval "$(scripts/servers-up.sh --print-env)"
#
# Settings (environment):
#   LEDGER_LOCAL_DIR       state folder (data, socket, pid files, logs)   default /var/tmp/ledger-dev
#   LEDGER_MYSQL_PORT      MariaDB TCP port on 127.0.0.1                   default 3306
#   LEDGER_MYSQL_DATABASE  database to create                              default ledger
#   LEDGER_MYSQL_PASSWORD  password of the three local users               default ledger
#   LEDGER_REDIS_PORT      Redis TCP port on 127.0.0.1                     default 6379
#
# Progress messages always go to stderr; stdout carries only the export lines of --print-env.
# Stop with scripts/servers-down.sh (--purge also deletes the data).
set -euo pipefail

PRINT_ENV=0
for arg in "$@"; do
  case "$arg" in
    --print-env) PRINT_ENV=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "servers-up: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log()  { echo "servers-up: $*" >&2; }
die()  { echo "servers-up: ERROR: $*" >&2; exit 1; }

# Daemons and admin tools live in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LOCAL_DIR="${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}"
MYSQL_PORT="${LEDGER_MYSQL_PORT:-3306}"
MYSQL_DB="${LEDGER_MYSQL_DATABASE:-ledger}"
MYSQL_PW="${LEDGER_MYSQL_PASSWORD:-ledger}"
REDIS_PORT="${LEDGER_REDIS_PORT:-6379}"
MYSQL_USER_NAME=ledger

[[ "$MYSQL_PORT" =~ ^[0-9]+$ ]] || die "LEDGER_MYSQL_PORT must be a number, got '$MYSQL_PORT'"
[[ "$REDIS_PORT" =~ ^[0-9]+$ ]] || die "LEDGER_REDIS_PORT must be a number, got '$REDIS_PORT'"
(( MYSQL_PORT >= 1 && MYSQL_PORT <= 65535 )) || die "LEDGER_MYSQL_PORT out of range: $MYSQL_PORT"
(( REDIS_PORT >= 1 && REDIS_PORT <= 65535 )) || die "LEDGER_REDIS_PORT out of range: $REDIS_PORT"
[[ -n "$MYSQL_DB" ]] || die "LEDGER_MYSQL_DATABASE is empty"
case "$MYSQL_PW" in *\;*) die "LEDGER_MYSQL_PASSWORD must not contain ';' (it goes into a connection string)";; esac

# Make LOCAL_DIR absolute so the script works from any working directory.
mkdir -p "$LOCAL_DIR"
LOCAL_DIR="$(cd "$LOCAL_DIR" && pwd -P)"

MYSQL_DIR="$LOCAL_DIR/mysql"           # owned by mysql: holds the socket and the pid file
MYSQL_DATA="$MYSQL_DIR/data"
MYSQL_LOGDIR="$MYSQL_DIR/log"
MYSQL_SOCK="$MYSQL_DIR/mysqld.sock"
MYSQL_PID="$MYSQL_DIR/mariadbd.pid"
MYSQL_ERRLOG="$MYSQL_LOGDIR/error.log"
MYSQL_CONSOLE="$LOCAL_DIR/mariadbd.console.log"   # the daemon's own stdout/stderr (early start failures)
REDIS_DIR="$LOCAL_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
ENV_FILE="$LOCAL_DIR/env"

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
else
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing: run as root or install sudo"
  SUDO=(sudo)
fi
as_root() { "${SUDO[@]}" "$@"; }

# One servers-up at a time (parallel CI steps, two terminals). Background daemons must not inherit fd 9.
exec 9>"$LOCAL_DIR/.servers.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 180 9 || die "another servers-up.sh holds $LOCAL_DIR/.servers.lock for over 180 s"
fi

# ---------------------------------------------------------------- install
# The first missing program installs both servers (about a minute); the rest are then found.
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for bin in mariadbd mariadb-install-db mariadb mariadb-admin redis-server redis-cli; do
  require_command "$bin" mariadb-server redis-server || exit 1
done
id mysql >/dev/null 2>&1 || die "system user 'mysql' does not exist (the mariadb-server package creates it)"

# ---------------------------------------------------------------- helpers
port_open() {  # port_open PORT -> 0 when something accepts TCP on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
pid_alive() {  # pid_alive PIDFILE NAME -> 0 when the pid file names a live process called NAME
  local pidfile="$1" name="$2" pid
  pid="$(as_root cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/comm" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name"* ]] || return 1
  # A zombie is dead (PID 1 here may never reap the daemons it inherits).
  [[ "$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null)" != Z ]]
}
root_sql() {  # runs SQL as MariaDB root over our socket (unix_socket auth => must be OS root)
  as_root mariadb --no-defaults --socket="$MYSQL_SOCK" -uroot --batch --skip-column-names
}
our_mysql_ping() {
  as_root mariadb-admin --no-defaults --socket="$MYSQL_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}
tcp_ping_mysql() {  # 0 when a MySQL-protocol server answers on the port (even "access denied" counts)
  mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" --connect-timeout=2 ping >/dev/null 2>&1
}
ledger_tcp_login() {  # ledger_tcp_login [USER]: 0 when USER (default ledger) logs in over TCP
  MYSQL_PWD="$MYSQL_PW" mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" \
    -u "${1:-$MYSQL_USER_NAME}" --connect-timeout=5 --batch --skip-column-names -e 'SELECT 1' 2>&1
}
sql_str() {  # a SQL string literal (default sql_mode: backslash escapes)
  local s="${1//\\/\\\\}"; s="${s//\'/\\\'}"; printf "'%s'" "$s"
}
sql_ident() {  # a backtick-quoted identifier
  # shellcheck disable=SC2016  # the backticks are literal
  printf '`%s`' "${1//\`/\`\`}"
}
sh_quote() {  # single-quoted for the shell
  printf "'%s'" "${1//\'/\'\\\'\'}"
}

# ---------------------------------------------------------------- MariaDB
start_mariadb() {
  as_root mkdir -p "$MYSQL_DATA" "$MYSQL_LOGDIR"
  as_root chown mysql:mysql "$MYSQL_DIR" "$MYSQL_DATA" "$MYSQL_LOGDIR"
  as_root chmod 750 "$MYSQL_DATA"
  # The mysql user must be able to reach its folders (a state dir under /root would fail here).
  if command -v runuser >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
    runuser -u mysql -- test -w "$MYSQL_DATA" \
      || die "user mysql cannot write $MYSQL_DATA: every parent of $LOCAL_DIR must be searchable (chmod o+x) by mysql"
  fi

  if ! as_root test -d "$MYSQL_DATA/mysql"; then
    log "initialising MariaDB data directory $MYSQL_DATA"
    as_root mariadb-install-db --no-defaults --user=mysql --datadir="$MYSQL_DATA" \
        --auth-root-authentication-method=socket --skip-test-db \
        >"$LOCAL_DIR/mariadb-install-db.log" 2>&1 \
      || { tail -n 30 "$LOCAL_DIR/mariadb-install-db.log" >&2; die "mariadb-install-db failed (log: $LOCAL_DIR/mariadb-install-db.log)"; }
  fi

  as_root rm -f "$MYSQL_PID"   # stale (checked dead by the caller)
  log "starting mariadbd on 127.0.0.1:$MYSQL_PORT (socket $MYSQL_SOCK)"
  local launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # New session, stdin/stdout/stderr detached: the daemon survives this shell and never holds the
  # caller's pipe open (which would hang `eval "$(servers-up.sh --print-env)"`), nor our lock (fd 9).
  "${launcher[@]}" "${SUDO[@]}" mariadbd --no-defaults \
      --user=mysql \
      --datadir="$MYSQL_DATA" \
      --bind-address=127.0.0.1 \
      --port="$MYSQL_PORT" \
      --socket="$MYSQL_SOCK" \
      --pid-file="$MYSQL_PID" \
      --log-error="$MYSQL_ERRLOG" \
      --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_unicode_ci \
      --innodb-flush-log-at-trx-commit=1 \
      --innodb-buffer-pool-size=512M \
      --max-connections=1000 \
      --log-bin-trust-function-creators=1 \
      </dev/null >>"$MYSQL_CONSOLE" 2>&1 9>&- &
  local launched=$!

  local deadline=$((SECONDS + 30))
  until our_mysql_ping; do
    if ! kill -0 "$launched" 2>/dev/null && ! pid_alive "$MYSQL_PID" mariadbd; then
      log "mariadbd exited during start-up; last lines of $MYSQL_ERRLOG:"
      as_root tail -n 40 "$MYSQL_ERRLOG" >&2 2>/dev/null || true
      tail -n 10 "$MYSQL_CONSOLE" >&2 2>/dev/null || true
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      log "mariadbd did not answer within 30 s; last lines of $MYSQL_ERRLOG:"
      as_root tail -n 40 "$MYSQL_ERRLOG" >&2 2>/dev/null || true
      tail -n 10 "$MYSQL_CONSOLE" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.3
  done
  log "mariadbd is up (pid $(as_root cat "$MYSQL_PID" 2>/dev/null || echo '?'))"
}

role_grants() {  # db/grants.sql, on every `ledger%` database (and on $MYSQL_DB), for @'%' and @'localhost'
  local file="$ROOT/db/grants.sql" sql
  [[ -f "$file" ]] || die "missing $file"
  sql="$(grep -v '^--' "$file" | sed 's/ON `ledger`\.\*/ON `ledger%`.*/')"
  sql="$(printf '%s\n' "$sql" "$(sed "s/'@'%'/'@'localhost'/" <<<"$sql")")"
  printf '%s\n' "$sql"
  if [[ "$MYSQL_DB" != ledger* ]]; then
    sed "s/ON \`ledger%\`\.\*/ON $(sql_ident "$MYSQL_DB").*/" <<<"$sql"
  fi
}

ensure_db_and_users() {
  local db pw pattern grants=""
  db="$(sql_ident "$MYSQL_DB")"
  pw="$(sql_str "$MYSQL_PW")"
  # Tests create extra databases whose names start with "ledger": grant on the pattern `ledger%`.
  grants+="GRANT ALL PRIVILEGES ON \`ledger%\`.* TO 'ledger'@'localhost';
GRANT ALL PRIVILEGES ON \`ledger%\`.* TO 'ledger'@'%';"
  # PROCESS lets the concurrency tests see lock waits (information_schema.INNODB_TRX) on this local server.
  grants+="
GRANT PROCESS ON *.* TO 'ledger'@'localhost';
GRANT PROCESS ON *.* TO 'ledger'@'%';"
  if [[ "$MYSQL_DB" != ledger* ]]; then
    pattern="$(sql_ident "$MYSQL_DB")"
    grants+="
GRANT ALL PRIVILEGES ON $pattern.* TO 'ledger'@'localhost';
GRANT ALL PRIVILEGES ON $pattern.* TO 'ledger'@'%';"
  fi
  local users="" user host
  for user in ledger ledger_migrator ledger_app; do
    for host in localhost %; do
      users+="CREATE USER IF NOT EXISTS '$user'@'$host' IDENTIFIED BY $pw;
ALTER USER '$user'@'$host' IDENTIFIED BY $pw;
"
    done
  done
  grants+="
$(role_grants)"
  root_sql <<SQL || die "creating database/users as root over $MYSQL_SOCK failed"
CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
$users
$grants
FLUSH PRIVILEGES;
SQL
  log "database $MYSQL_DB and users ledger, ledger_migrator, ledger_app (@localhost and @%) are in place"
}

ours=0
if our_mysql_ping; then
  ours=1
  if ! tcp_ping_mysql; then
    die "our MariaDB answers on $MYSQL_SOCK but not on 127.0.0.1:$MYSQL_PORT (started with another LEDGER_MYSQL_PORT?); run scripts/servers-down.sh first"
  fi
  log "MariaDB already running (ours, socket $MYSQL_SOCK)"
elif port_open "$MYSQL_PORT"; then
  if tcp_ping_mysql; then
    log "a MariaDB/MySQL server not started by this script already answers on 127.0.0.1:$MYSQL_PORT; using it as it is (no root steps)"
  else
    die "port 127.0.0.1:$MYSQL_PORT is taken by something that is not MariaDB; free it or set LEDGER_MYSQL_PORT"
  fi
else
  if pid_alive "$MYSQL_PID" mariadbd; then
    die "mariadbd from $MYSQL_PID is alive but answers neither on $MYSQL_SOCK nor on port $MYSQL_PORT; see $MYSQL_ERRLOG or run scripts/servers-down.sh"
  fi
  start_mariadb
  ours=1
fi

if [[ $ours -eq 1 ]]; then
  ensure_db_and_users
fi

if ! out="$(ledger_tcp_login)"; then
  if [[ $ours -eq 1 ]]; then
    die "TCP login as ledger@127.0.0.1:$MYSQL_PORT failed: $out"
  fi
  die "TCP login as ledger@127.0.0.1:$MYSQL_PORT failed on the server this script did not start: $out
  That server needs: CREATE USER 'ledger'@'localhost' and 'ledger'@'%' IDENTIFIED BY '<LEDGER_MYSQL_PASSWORD>';
  GRANT ALL PRIVILEGES ON \`ledger%\`.* TO both; or stop it and run this script again."
fi
for role in ledger_migrator ledger_app; do
  out="$(ledger_tcp_login "$role")" || die "TCP login as $role@127.0.0.1:$MYSQL_PORT failed: $out
  That server needs the users ledger_migrator and ledger_app ('%' and 'localhost', password LEDGER_MYSQL_PASSWORD)
  with the grants of db/grants.sql on \`ledger%\`.*; or stop it and run this script again."
done
log "TCP logins as ledger, ledger_migrator and ledger_app on 127.0.0.1:$MYSQL_PORT work"

# ---------------------------------------------------------------- Redis
redis_pong() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

if redis_pong; then
  if pid_alive "$REDIS_PID" redis-server; then
    log "Redis already running (ours, pid $(cat "$REDIS_PID"))"
  else
    log "a Redis not started by this script already answers on 127.0.0.1:$REDIS_PORT; using it"
  fi
else
  if port_open "$REDIS_PORT"; then
    die "port 127.0.0.1:$REDIS_PORT is taken but does not answer PING with PONG (password? not Redis?); set LEDGER_REDIS_PORT"
  fi
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PID"
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  # shellcheck disable=SC2094  # stderr before daemonizing (bad option) is appended to the same log
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
      --save '' --appendonly no \
      --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
      </dev/null >/dev/null 2>>"$REDIS_LOG" 9>&- \
    || { tail -n 20 "$REDIS_LOG" >&2 2>/dev/null || true; die "redis-server failed to start"; }
  deadline=$((SECONDS + 15))
  until redis_pong; do
    if (( SECONDS >= deadline )); then
      log "Redis did not answer PONG within 15 s; last lines of $REDIS_LOG:"
      tail -n 30 "$REDIS_LOG" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
  log "Redis is up (pid $(cat "$REDIS_PID" 2>/dev/null || echo '?'))"
fi

# ---------------------------------------------------------------- env file
MYSQL_CS="Server=127.0.0.1;Port=$MYSQL_PORT;Database=$MYSQL_DB;User ID=$MYSQL_USER_NAME;Password=$MYSQL_PW"
MYSQL_APP_CS="${MYSQL_CS/User ID=$MYSQL_USER_NAME;/User ID=ledger_app;}"
MYSQL_MIGRATOR_CS="${MYSQL_CS/User ID=$MYSQL_USER_NAME;/User ID=ledger_migrator;}"
REDIS_CS="127.0.0.1:$REDIS_PORT"
env_lines="export LEDGER_TEST_MYSQL=$(sh_quote "$MYSQL_CS")
export LEDGER_TEST_MYSQL_APP=$(sh_quote "$MYSQL_APP_CS")
export LEDGER_TEST_MYSQL_MIGRATOR=$(sh_quote "$MYSQL_MIGRATOR_CS")
export LEDGER_TEST_REDIS=$(sh_quote "$REDIS_CS")
export ConnectionStrings__Ledger=$(sh_quote "$MYSQL_CS")
export ConnectionStrings__Redis=$(sh_quote "$REDIS_CS")"

tmp="$(mktemp "$LOCAL_DIR/.env.XXXXXX")"
printf '%s\n' "# written by scripts/servers-up.sh; use: source $ENV_FILE" "$env_lines" >"$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$ENV_FILE"

log "ready:"
log "  MariaDB  127.0.0.1:$MYSQL_PORT  database $MYSQL_DB  user ledger  (data $MYSQL_DATA)"
log "  Redis    127.0.0.1:$REDIS_PORT"
log "  env      source $ENV_FILE   (or: eval \"\$(scripts/servers-up.sh --print-env)\")"
log "  stop     scripts/servers-down.sh   (--purge also deletes $LOCAL_DIR)"

if [[ $PRINT_ENV -eq 1 ]]; then
  printf '%s\n' "$env_lines"
fi
