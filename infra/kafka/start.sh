#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft, broker+controller) from jars resolved off Maven Central.
# Idempotent: if our broker is already running, or something already answers on the port, it does nothing.
# Prints nothing but progress on stderr; exits non-zero if the broker is not ready in time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/kafka"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
ready_timeout_s="${KAFKA_READY_TIMEOUT_S:-120}"
mkdir -p "$data"
pidfile="$data/kafka.pid"
log="$data/server.log"

say() { echo "[kafka] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  say "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
  exit 0
fi
if port_open "$port"; then
  say "something already listens on 127.0.0.1:$port; using it, starting nothing"
  exit 0
fi

if [[ ! -f "$here/lib/.resolved" ]]; then
  say "resolving the broker's jars from Maven Central (first run only)"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$here/lib" >&2
  touch "$here/lib/.resolved"
fi

props="$data/server.properties"
cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=3
auto.create.topics.enable=true
# One node: every internal topic at replication factor 1, or kafkajs finds no group coordinator.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests create many short-lived groups; do not make each wait for stragglers.
group.initial.rebalance.delay.ms=0
PROPS

cp=("$here/lib/*")
if [[ ! -f "$data/logs/meta.properties" ]]; then
  cluster_id="$(java -cp "${cp[0]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  say "formatting storage (cluster $cluster_id)"
  java -cp "${cp[0]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$props" >"$data/format.log" 2>&1 || { cat "$data/format.log" >&2; exit 1; }
fi

say "starting on 127.0.0.1:$port (log: $log)"
: >"$log"
nohup java -Xms256m -Xmx${KAFKA_HEAP_MB:-768}m -XX:+UseG1GC \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -Dorg.slf4j.simpleLogger.log.kafka=info -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn \
  -cp "${cp[0]}" kafka.Kafka "$props" >>"$log" 2>&1 &
echo $! >"$pidfile"

# An open port alone is not readiness: wait for the broker to say it has started.
for ((i = 0; i < ready_timeout_s * 2; i++)); do
  if grep -q "Kafka Server started" "$log" 2>/dev/null; then
    say "ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "the broker exited during start-up; last lines of $log:"
    tail -30 "$log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  sleep 0.5
done
say "not ready after ${ready_timeout_s}s; last lines of $log:"
tail -30 "$log" >&2
exit 1
