#!/usr/bin/env bash
# Starts Apache Kafka (KRaft) from jars resolved off Maven Central: by default one node (broker+controller);
# with KAFKA_NODES=3 a three-node cluster on this machine, each node a combined broker+controller and the
# three a static controller quorum (3 voters: one may be lost).
#
# Ports, from KAFKA_PORT (default 9092) and KAFKA_CONTROLLER_PORT (default KAFKA_PORT + 1): node N's clients
# on KAFKA_PORT + 2(N-1), its controller on KAFKA_CONTROLLER_PORT + 2(N-1); so 9092 (controller 9093) for one
# node, 9092/9094/9096 (controllers 9093/9095/9097) for three.
# Data, server.log and kafka.pid: one node in $SYNDICATE_DATA_DIR/kafka, node N of three in .../kafka-N.
#
# Idempotent: nodes already running are left alone and the others started, so a node that died (even by
# SIGKILL) is started again with its node id and data and rejoins. One node: if something else already
# answers on the port it is used and nothing starts. Three: a port taken by anything but our node is an error.
# Prints nothing but progress on stderr; exits non-zero if a node is not ready in time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")"
nodes="${KAFKA_NODES:-1}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
ready_timeout_s="${KAFKA_READY_TIMEOUT_S:-120}"

say() { echo "[kafka] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ "$nodes" != 1 && "$nodes" != 3 ]]; then
  say "KAFKA_NODES must be 1 or 3 (got '$nodes')"
  exit 2
fi

node_dir() { if ((nodes == 1)); then echo "$root/kafka"; else echo "$root/kafka-$1"; fi; }
client_port() { echo $((port + 2 * ($1 - 1))); }
ctl_port() { echo $((controller_port + 2 * ($1 - 1))); }
# A killed node may linger as a zombie until its parent (here often init) reaps it: kill -0 still succeeds on it.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }
running() { [[ -f "$(node_dir "$1")/kafka.pid" ]] && alive "$(cat "$(node_dir "$1")/kafka.pid")"; }

# Which nodes to start.
to_start=()
for ((n = 1; n <= nodes; n++)); do
  if running "$n"; then
    say "node $n already running (pid $(cat "$(node_dir "$n")/kafka.pid")) on 127.0.0.1:$(client_port "$n")"
  elif ((nodes == 1)) && port_open "$port"; then
    say "something already listens on 127.0.0.1:$port; using it, starting nothing"
    exit 0
  elif ((nodes > 1)) && { port_open "$(client_port "$n")" || port_open "$(ctl_port "$n")"; }; then
    say "127.0.0.1:$(client_port "$n") or :$(ctl_port "$n") is taken by something that is not node $n of this cluster;"
    say "stop it (a single node: infra/down.sh kafka) or choose other ports with KAFKA_PORT"
    exit 1
  else
    to_start+=("$n")
  fi
done
((${#to_start[@]})) || exit 0

bash "$here/resolve-jars.sh"
cp=("$here/lib/*")

# write_properties N FILE
write_properties() {
  local n="$1" props="$2" data voters="" v
  data="$(node_dir "$n")"
  # One node: every topic at replication factor 1, or kafkajs finds no group coordinator. Three: every
  # partition on all three nodes; a write (acks=all) needs two of them, so one node may be lost.
  local rf=1 isr=1 quorum="controller.quorum.bootstrap.servers=127.0.0.1:$controller_port"
  if ((nodes == 3)); then
    rf=3 isr=2
    for ((v = 1; v <= nodes; v++)); do voters+="${voters:+,}$v@127.0.0.1:$(ctl_port "$v")"; done
    # A static quorum: every node knows all the voters, so a node restarted with its data simply rejoins.
    quorum="controller.quorum.voters=$voters"
  fi
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=$n
listeners=PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(ctl_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(ctl_port "$n")
controller.listener.names=CONTROLLER
$quorum
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
PROPS
  sh "$here/topic-defaults.sh" "$rf" "$isr" >>"$props"
  if ((nodes == 3)); then
    cat >>"$props" <<PROPS
# A node that stops heartbeating is fenced after 4 s (default 9 s), and its partitions get new leaders: that
# is how long producers (and the API, answering 503) wait when a node dies.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
PROPS
  fi
  cat >>"$props" <<PROPS
# Tests create many short-lived groups; do not make each wait for stragglers.
group.initial.rebalance.delay.ms=0
PROPS
}

# One cluster id for all nodes: the one a formatted node already keeps in meta.properties, or a new one.
cluster_id=""
for ((n = 1; n <= nodes; n++)); do
  meta="$(node_dir "$n")/logs/meta.properties"
  [[ -f "$meta" ]] && cluster_id="$(sed -n 's/^cluster\.id=//p' "$meta")" && [[ -n "$cluster_id" ]] && break
done

for n in "${to_start[@]}"; do
  data="$(node_dir "$n")"
  mkdir -p "$data"
  props="$data/server.properties"
  write_properties "$n" "$props"
  if [[ ! -f "$data/logs/meta.properties" ]]; then
    [[ -n "$cluster_id" ]] || cluster_id="$(java -cp "${cp[0]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    say "formatting node $n's storage (cluster $cluster_id)"
    # One node formats a quorum of itself; a static quorum (controller.quorum.voters) needs no flag.
    format_flags=()
    ((nodes == 1)) && format_flags=(--standalone)
    java -cp "${cp[0]}" kafka.tools.StorageTool format "${format_flags[@]}" -t "$cluster_id" -c "$props" >"$data/format.log" 2>&1 ||
      { cat "$data/format.log" >&2; exit 1; }
  fi
done

# All nodes start together: in a cluster none is ready before a majority of the controllers is up.
for n in "${to_start[@]}"; do
  data="$(node_dir "$n")"
  say "starting node $n on 127.0.0.1:$(client_port "$n") (log: $data/server.log)"
  : >"$data/server.log"
  nohup java -Xms256m -Xmx${KAFKA_HEAP_MB:-768}m -XX:+UseG1GC \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
    -Dorg.slf4j.simpleLogger.log.kafka=info -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn \
    -cp "${cp[0]}" kafka.Kafka "$data/server.properties" >>"$data/server.log" 2>&1 &
  echo $! >"$data/kafka.pid"
done

# An open port alone is not readiness: wait for every node to say it has started.
waiting=("${to_start[@]}")
for ((i = 0; i < ready_timeout_s * 2; i++)); do
  still=()
  for n in "${waiting[@]}"; do
    data="$(node_dir "$n")"
    if grep -q "Kafka Server started" "$data/server.log" 2>/dev/null; then
      say "node $n ready on 127.0.0.1:$(client_port "$n") (pid $(cat "$data/kafka.pid"))"
    elif ! alive "$(cat "$data/kafka.pid")"; then
      say "node $n exited during start-up; last lines of $data/server.log:"
      tail -30 "$data/server.log" >&2
      rm -f "$data/kafka.pid"
      exit 1
    else
      still+=("$n")
    fi
  done
  ((${#still[@]})) || exit 0
  waiting=("${still[@]}")
  sleep 0.5
done
for n in "${waiting[@]}"; do
  say "node $n not ready after ${ready_timeout_s}s; last lines of $(node_dir "$n")/server.log:"
  tail -30 "$(node_dir "$n")/server.log" >&2
done
exit 1
