#!/bin/sh
# Starts one KRaft node (broker and controller) from the environment:
#   KAFKA_NODE_ID        this node's id (1)
#   KAFKA_VOTERS         the controller quorum, id@host:port,... ("1@localhost:9093": a cluster of one)
#   KAFKA_ADVERTISED     host:port clients are told to use (localhost:9092); the node listens on 0.0.0.0:9092
#   KAFKA_EXTERNAL_ADVERTISED  optional host:port for clients outside the container network (a port published
#                        to the host): the node then also listens on 0.0.0.0:9094 and advertises that there
#   KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS   (1 and 1; a cluster of three: 3 and 2)
#   KAFKA_CLUSTER_ID     the same for every node of a cluster (a fixed default, so nodes agree unconfigured)
# Storage is formatted on the first start and kept in /var/lib/kafka (a volume): a restarted node rejoins.
set -eu
node_id="${KAFKA_NODE_ID:-1}"
voters="${KAFKA_VOTERS:-1@localhost:9093}"
advertised="${KAFKA_ADVERTISED:-localhost:9092}"
rf="${KAFKA_REPLICATION_FACTOR:-1}"
isr="${KAFKA_MIN_INSYNC_REPLICAS:-1}"
cluster_id="${KAFKA_CLUSTER_ID:-XzocLotNTm-aGyw9Tl9qew}"
data=/var/lib/kafka
props="$data/server.properties"
mkdir -p "$data/logs"
listeners="PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093"
advertised_listeners="PLAINTEXT://$advertised"
protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
if [ -n "${KAFKA_EXTERNAL_ADVERTISED:-}" ]; then
  listeners="$listeners,EXTERNAL://0.0.0.0:9094"
  advertised_listeners="$advertised_listeners,EXTERNAL://$KAFKA_EXTERNAL_ADVERTISED"
  protocols="$protocols,EXTERNAL:PLAINTEXT"
fi
cat >"$props" <<PROPS
process.roles=broker,controller
node.id=$node_id
listeners=$listeners
advertised.listeners=$advertised_listeners
controller.listener.names=CONTROLLER
controller.quorum.voters=$voters
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
PROPS
sh /opt/kafka/topic-defaults.sh "$rf" "$isr" >>"$props"
cat >>"$props" <<PROPS
# A node that stops heartbeating is fenced after 4 s (default 9 s), and its partitions get new leaders.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
group.initial.rebalance.delay.ms=0
PROPS
if [ ! -f "$data/logs/meta.properties" ]; then
  java -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format -t "$cluster_id" -c "$props"
fi
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is several words on purpose
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -Dorg.slf4j.simpleLogger.log.kafka=info -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn \
  -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
