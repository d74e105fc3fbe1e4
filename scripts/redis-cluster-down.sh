#!/usr/bin/env bash
# Stops the Redis Cluster nodes that scripts/redis-cluster-up.sh started, and waits for them to exit.
# Safe when they are not running. A Redis on those ports that this script did not start is left alone.
#
#   scripts/redis-cluster-down.sh           stop, keep the nodes' folders (a later up re-forms the same cluster)
#   scripts/redis-cluster-down.sh --purge   stop, then delete their folders ${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}/redis-cluster/<port>
#
# Uses the same LEDGER_LOCAL_DIR and LEDGER_REDIS_CLUSTER_PORTS settings as redis-cluster-up.sh.
set -euo pipefail

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "redis-cluster-down: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "redis-cluster-down: $*" >&2; }
die() { echo "redis-cluster-down: ERROR: $*" >&2; exit 1; }

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LOCAL_DIR="${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}"
read -r -a PORTS <<<"${LEDGER_REDIS_CLUSTER_PORTS:-7101 7102 7103}"

# Absolute, as the nodes see it (the folder may be gone already while nodes still run in it).
if [[ -d "$LOCAL_DIR" ]]; then LOCAL_DIR="$(cd "$LOCAL_DIR" && pwd -P)"; fi
CLUSTER_DIR="$LOCAL_DIR/redis-cluster"

if ! command -v redis-cli >/dev/null 2>&1; then
  log "redis-cli missing: no node can be running"
else
  cli() {  # cli PORT ARGS... -> redis-cli against one node, carriage returns stripped
    local port="$1"; shift
    redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null | tr -d '\r'
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

  for port in "${PORTS[@]}"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "LEDGER_REDIS_CLUSTER_PORTS must hold numbers, got '$port'"
    if [[ "$(cli "$port" ping || true)" != PONG ]]; then
      log "node $port not running"
      continue
    fi
    # Ours when it works in our folder for that port (the pid file and even the folder may be gone).
    pid="$(cli "$port" info server | awk -F: '$1=="process_id"{print $2; exit}' || true)"
    dir="$(readlink "/proc/$pid/cwd" 2>/dev/null || cli "$port" config get dir | sed -n 2p || true)"
    dir="${dir% (deleted)}"
    if [[ "$dir" != "$CLUSTER_DIR/$port" ]]; then
      log "the Redis on 127.0.0.1:$port works in '$dir', not $CLUSTER_DIR/$port: not ours, left running"
      continue
    fi
    log "stopping node $port (pid ${pid:-?})"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    if [[ "$pid" =~ ^[0-9]+$ ]] && ! wait_exit "$pid" 20; then
      log "node $port still running after 20 s; sending SIGTERM"
      kill -TERM "$pid" 2>/dev/null || true
      wait_exit "$pid" 10 || die "Redis node $port (pid $pid) does not stop"
    fi
    rm -f "$CLUSTER_DIR/$port/redis.pid" 2>/dev/null || true
  done
fi

if [[ $PURGE -eq 1 && -d "$CLUSTER_DIR" ]]; then
  # Only these ports' folders: nodes of another LEDGER_REDIS_CLUSTER_PORTS may live beside them.
  for port in "${PORTS[@]}"; do
    if [[ -d "$CLUSTER_DIR/$port" ]]; then
      log "deleting $CLUSTER_DIR/$port"
      rm -rf -- "${CLUSTER_DIR:?}/$port"
    fi
  done
  if [[ -z "$(find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name .cluster.lock -print -quit)" ]]; then
    rm -rf -- "$CLUSTER_DIR"
  fi
fi
log "done"
