#!/bin/sh
# Prints the broker settings for topics that follow from a replication factor and in-sync minimum:
#   topic-defaults.sh RF MIN_ISR   (1 1 for one node; 3 2 for three: one node may be lost)
# Shared by the local broker (start.sh) and the broker image (../container/kafka-entrypoint.sh).
set -eu
rf="$1"
isr="$2"
cat <<PROPS
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
PROPS
