#!/usr/bin/env bash
# Stops the MariaDB and Redis that scripts/servers-up.sh started, and waits for them to exit.
# Safe when they are not running. Servers it did not start are left alone.
#
#   scripts/servers-down.sh           stop, keep the data in ${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}
#   scripts/servers-down.sh --purge   stop, then delete ${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}
#
# Uses the same LEDGER_LOCAL_DIR and LEDGER_REDIS_PORT settings as servers-up.sh.
set -euo pipefail

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "servers-down: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "servers-down: $*" >&2; }
die() { echo "servers-down: ERROR: $*" >&2; exit 1; }

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LOCAL_DIR="${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}"
REDIS_PORT="${LEDGER_REDIS_PORT:-6379}"

if [[ ! -d "$LOCAL_DIR" ]]; then
  log "nothing to stop ($LOCAL_DIR does not exist)"
  exit 0
fi
LOCAL_DIR="$(cd "$LOCAL_DIR" && pwd -P)"

MYSQL_DIR="$LOCAL_DIR/mysql"
MYSQL_SOCK="$MYSQL_DIR/mysqld.sock"
MYSQL_PID="$MYSQL_DIR/mariadbd.pid"
REDIS_DIR="$LOCAL_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"

if [[ "$(id -u)" -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
as_root() { "${SUDO[@]}" "$@"; }

read_pid() {  # read_pid PIDFILE NAME -> prints the pid when it names a live process called NAME
  local pid
  pid="$(as_root cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == "$2"* ]] || return 1
  echo "$pid"
}
wait_exit() {  # wait_exit PID SECONDS -> 0 once the process is gone
  local pid="$1" deadline=$((SECONDS + $2))
  while [[ -e "/proc/$pid" ]]; do
    # A zombie counts as gone (its parent may be a shell that no longer waits for it).
    [[ "$(awk '/^State:/{print $2}' "/proc/$pid/status" 2>/dev/null || true)" == Z ]] && return 0
    (( SECONDS >= deadline )) && return 1
    sleep 0.2
  done
  return 0
}

# ---------------------------------------------------------------- MariaDB
if pid="$(read_pid "$MYSQL_PID" mariadbd)"; then
  log "stopping MariaDB (pid $pid)"
  if ! as_root mariadb-admin --no-defaults --socket="$MYSQL_SOCK" -uroot shutdown 2>/dev/null; then
    log "mariadb-admin shutdown failed; sending SIGTERM to $pid"
    as_root kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_exit "$pid" 60; then
    log "MariaDB still running after 60 s; sending SIGTERM again and waiting 30 s more"
    as_root kill -TERM "$pid" 2>/dev/null || true
    wait_exit "$pid" 30 || die "MariaDB (pid $pid) does not stop; see $MYSQL_DIR/log/error.log"
  fi
  log "MariaDB stopped"
elif as_root mariadb-admin --no-defaults --socket="$MYSQL_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
  # Our socket answers but the pid file is missing or wrong: shut it down through the socket.
  log "stopping MariaDB (through $MYSQL_SOCK; no usable pid file)"
  as_root mariadb-admin --no-defaults --socket="$MYSQL_SOCK" -uroot shutdown
  deadline=$((SECONDS + 60))
  while as_root mariadb-admin --no-defaults --socket="$MYSQL_SOCK" -uroot --connect-timeout=2 ping >/dev/null 2>&1; do
    (( SECONDS >= deadline )) && die "MariaDB on $MYSQL_SOCK does not stop"
    sleep 0.3
  done
  log "MariaDB stopped"
else
  log "MariaDB not running (from $MYSQL_DIR)"
fi
as_root rm -f "$MYSQL_PID" 2>/dev/null || true

# ---------------------------------------------------------------- Redis
if pid="$(read_pid "$REDIS_PID" redis-server)"; then
  log "stopping Redis (pid $pid)"
  port_pid="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' | awk -F: '$1=="process_id"{print $2}' || true)"
  if [[ "$port_pid" == "$pid" ]]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  else
    # Ours listens on another port (started with another LEDGER_REDIS_PORT): signal it by pid
    # rather than shutting down whatever answers on $REDIS_PORT.
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_exit "$pid" 20; then
    log "Redis still running after 20 s; sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    wait_exit "$pid" 10 || die "Redis (pid $pid) does not stop"
  fi
  log "Redis stopped"
else
  log "Redis not running (from $REDIS_DIR)"
fi
rm -f "$REDIS_PID" 2>/dev/null || true

# ---------------------------------------------------------------- Redis Cluster
# The nodes of scripts/redis-cluster-up.sh, when it ran (their folders go too with --purge).
cluster_args=()
[[ $PURGE -eq 1 ]] && cluster_args=(--purge)
bash "$(dirname "${BASH_SOURCE[0]}")/redis-cluster-down.sh" "${cluster_args[@]}" || die "scripts/redis-cluster-down.sh failed"

# ---------------------------------------------------------------- purge
if [[ $PURGE -eq 1 ]]; then
  case "$LOCAL_DIR" in
    /|/var|/var/tmp|/tmp|/root|/home|"$HOME") die "refusing to delete $LOCAL_DIR" ;;
  esac
  log "deleting $LOCAL_DIR"
  as_root rm -rf -- "$LOCAL_DIR"
fi
log "done"
