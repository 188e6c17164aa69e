#!/usr/bin/env bash
# A throwaway 3-master Redis Cluster on loopback for `npm run test:cluster`.
#   scripts/redis-cluster.sh start   # idempotent: does nothing when the cluster already answers ok
#   scripts/redis-cluster.sh stop    # shuts the nodes down and removes their directory
# Ports: REDIS_CLUSTER_PORTS (default "7001 7002 7003"); data: REDIS_CLUSTER_DIR (default
# ${TMPDIR:-/tmp}/dmb-redis-cluster). No replicas, no persistence: for tests only.
set -euo pipefail

PORTS=(${REDIS_CLUSTER_PORTS:-7001 7002 7003})
DIR=${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/dmb-redis-cluster}

cluster_ok() {
  redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

start() {
  if cluster_ok; then
    echo "redis-cluster: already running on ${PORTS[*]}"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  mkdir -p "$DIR"
  for port in "${PORTS[@]}"; do
    mkdir -p "$DIR/$port"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$DIR/$port" --daemonize yes \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --save "" --appendonly no --maxmemory-policy noeviction \
      --logfile "$DIR/$port/redis.log" --pidfile "$DIR/$port/redis.pid"
  done
  for port in "${PORTS[@]}"; do
    for _ in $(seq 1 50); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  local nodes=()
  for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log"
  for _ in $(seq 1 100); do
    if cluster_ok; then
      echo "redis-cluster: ok on ${nodes[*]}"
      return 0
    fi
    sleep 0.1
  done
  echo "redis-cluster: did not reach cluster_state:ok (see $DIR)" >&2
  return 1
}

stop() {
  for port in "${PORTS[@]}"; do
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  rm -rf "$DIR"
  echo "redis-cluster: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
