#!/usr/bin/env bash
# Starts a local 3-node Redis Cluster (masters only, no replicas) on loopback, as plain background processes,
# for the cluster integration tests. Safe to run again: when the cluster already answers with cluster_state:ok
# it changes nothing; when the nodes run but form no cluster yet, it creates one.
#
#   scripts/redis-cluster-up.sh               start the nodes (installing Redis with apt-get if needed), create the cluster
#   scripts/redis-cluster-up.sh --print-env   the same, then print only the export line on stdout:
#                                             eval "$(scripts/redis-cluster-up.sh --print-env)"
#
# Settings (environment):
#   LEDGER_LOCAL_DIR             state folder; the nodes live in <it>/redis-cluster/<port>   default /var/tmp/ledger-dev
#   LEDGER_REDIS_CLUSTER_PORTS   the nodes' TCP ports on 127.0.0.1 (at least 3)          default "7101 7102 7103"
#                                (each node also uses its port + 10000 for the cluster bus)
#
# Progress messages always go to stderr; stdout carries only the export line of --print-env.
# Stop with scripts/redis-cluster-down.sh (--purge also deletes the nodes' folders).
set -euo pipefail

PRINT_ENV=0
for arg in "$@"; do
  case "$arg" in
    --print-env) PRINT_ENV=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "redis-cluster-up: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "redis-cluster-up: $*" >&2; }
die() { echo "redis-cluster-up: ERROR: $*" >&2; exit 1; }

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LOCAL_DIR="${LEDGER_LOCAL_DIR:-/var/tmp/ledger-dev}"
read -r -a PORTS <<<"${LEDGER_REDIS_CLUSTER_PORTS:-7101 7102 7103}"

(( ${#PORTS[@]} >= 3 )) || die "LEDGER_REDIS_CLUSTER_PORTS needs at least 3 ports (a cluster has at least 3 masters), got '${PORTS[*]}'"
declare -A seen=()
for port in "${PORTS[@]}"; do
  [[ "$port" =~ ^[0-9]+$ ]] || die "LEDGER_REDIS_CLUSTER_PORTS must hold numbers, got '$port'"
  (( port >= 1 && port <= 55535 )) || die "cluster port out of range (1-55535, the bus uses port + 10000): $port"
  [[ -z "${seen[$port]:-}" ]] || die "port $port is listed twice in LEDGER_REDIS_CLUSTER_PORTS"
  seen[$port]=1
done

mkdir -p "$LOCAL_DIR/redis-cluster"
LOCAL_DIR="$(cd "$LOCAL_DIR" && pwd -P)"
CLUSTER_DIR="$LOCAL_DIR/redis-cluster"

# One redis-cluster-up at a time (scripts/test.sh and a test run may both call it). Daemons must not inherit fd 9.
exec 9>"$CLUSTER_DIR/.cluster.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 120 9 || die "another redis-cluster-up.sh holds $CLUSTER_DIR/.cluster.lock for over 120 s"
fi

# ---------------------------------------------------------------- install
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
for bin in redis-server redis-cli; do
  require_command "$bin" redis-server || exit 1
done

# ---------------------------------------------------------------- helpers
port_open() {  # port_open PORT -> 0 when something accepts TCP on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
cli() {  # cli PORT ARGS... -> redis-cli against one node, carriage returns stripped
  local port="$1"; shift
  redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null | tr -d '\r'
}
pong() { [[ "$(cli "$1" ping || true)" == "PONG" ]]; }
info_field() {  # info_field PORT FIELD COMMAND... -> the value of FIELD in the output of COMMAND ("cluster info", "info cluster")
  local port="$1" field="$2"; shift 2
  cli "$port" "$@" | awk -F: -v f="$field" '$1==f{print $2; exit}' || true
}
cluster_field() { info_field "$1" "$2" cluster info; }

# ---------------------------------------------------------------- nodes
start_node() {
  local port="$1" dir="$CLUSTER_DIR/$1"
  local pidfile="$dir/redis.pid" logfile="$dir/redis.log"
  if port_open "$port"; then
    die "port 127.0.0.1:$port is taken but does not answer PING with PONG (not Redis? password?); free it or set LEDGER_REDIS_CLUSTER_PORTS"
  fi
  if port_open "$((port + 10000))"; then
    die "cluster bus port 127.0.0.1:$((port + 10000)) (node port $port + 10000) is taken; free it or set LEDGER_REDIS_CLUSTER_PORTS"
  fi
  mkdir -p "$dir"
  rm -f "$pidfile"
  log "starting redis-server (cluster node) on 127.0.0.1:$port (dir $dir)"
  # shellcheck disable=SC2094  # stderr before daemonizing (bad option) is appended to the same log
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
      --cluster-enabled yes --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 2000 \
      --save '' --appendonly no \
      --pidfile "$pidfile" --logfile "$logfile" --dir "$dir" \
      </dev/null >/dev/null 2>>"$logfile" 9>&- \
    || { tail -n 20 "$logfile" >&2 2>/dev/null || true; die "redis-server on port $port failed to start"; }
  local deadline=$((SECONDS + 15))
  until pong "$port"; do
    if (( SECONDS >= deadline )); then
      log "node $port did not answer PONG within 15 s; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
}

for port in "${PORTS[@]}"; do
  if pong "$port"; then
    [[ "$(info_field "$port" cluster_enabled info cluster)" == 1 ]] \
      || die "a Redis without cluster mode already answers on 127.0.0.1:$port; stop it or set LEDGER_REDIS_CLUSTER_PORTS"
    log "node 127.0.0.1:$port already running"
  else
    start_node "$port"
  fi
done

# ---------------------------------------------------------------- cluster
n=${#PORTS[@]}
all_ok() {  # every node says cluster_state:ok and knows exactly our nodes
  local port
  for port in "${PORTS[@]}"; do
    [[ "$(cluster_field "$port" cluster_state)" == ok ]] || return 1
    [[ "$(cluster_field "$port" cluster_known_nodes)" == "$n" ]] || return 1
  done
}
all_blank() {  # no node knows another one or owns a slot: nothing was created yet
  local port
  for port in "${PORTS[@]}"; do
    [[ "$(cluster_field "$port" cluster_known_nodes)" == 1 ]] || return 1
    [[ "$(cluster_field "$port" cluster_slots_assigned)" == 0 ]] || return 1
  done
}

addresses=()
for port in "${PORTS[@]}"; do addresses+=("127.0.0.1:$port"); done

if all_ok; then
  log "cluster already up (cluster_state:ok on all $n nodes)"
elif all_blank; then
  log "creating the cluster over ${addresses[*]}"
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes </dev/null >&2 9>&- \
    || die "redis-cli --cluster create ${addresses[*]} failed (logs: $CLUSTER_DIR/<port>/redis.log)"
else
  # Nodes restarted with their nodes-<port>.conf find each other again on their own; just wait below.
  log "nodes know a cluster already; waiting for it to settle"
fi

deadline=$((SECONDS + 20))
until all_ok; do
  if (( SECONDS >= deadline )); then
    for port in "${PORTS[@]}"; do
      log "node $port: state=$(cluster_field "$port" cluster_state) known_nodes=$(cluster_field "$port" cluster_known_nodes) slots_assigned=$(cluster_field "$port" cluster_slots_assigned)"
    done
    die "the cluster did not reach cluster_state:ok on all $n nodes within 20 s; start afresh with: bash scripts/redis-cluster-down.sh --purge && bash scripts/redis-cluster-up.sh"
  fi
  sleep 0.2
done

# The nodes must form one cluster of exactly our ports (not a cluster with strangers in it).
nodes="$(cli "${PORTS[0]}" cluster nodes || true)"
for address in "${addresses[@]}"; do
  grep -q " $address@" <<<"$nodes" || die "node ${PORTS[0]} does not list $address among its cluster nodes:
$nodes"
done

cluster_cs="$(IFS=,; echo "${addresses[*]}")"
log "ready: Redis Cluster $cluster_cs (cluster_state:ok on all $n nodes; data in $CLUSTER_DIR)"
log "  stop  scripts/redis-cluster-down.sh   (--purge also deletes the nodes' folders)"

if [[ $PRINT_ENV -eq 1 ]]; then
  printf "export LEDGER_TEST_REDIS_CLUSTER='%s'\n" "$cluster_cs"
fi
