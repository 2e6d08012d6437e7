#!/usr/bin/env bash
# Stops the Kafka node(s) that infra/kafka/start.sh started in this data directory (and nothing else): the
# single node (kafka/kafka.pid) and every node of a cluster (kafka-N/kafka.pid), whatever KAFKA_NODES says
# now. Harmless when none runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib.sh"
root="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")"
shopt -s nullglob
# All at once: a cluster's nodes shut down together, none waiting on the others' controllers. A controlled
# shutdown takes a few seconds; give it 20 before forcing.
for pidfile in "$root/kafka/kafka.pid" "$root"/kafka-[0-9]*/kafka.pid; do
  [[ -f "$pidfile" ]] || continue
  name="$(basename "$(dirname "$pidfile")")" # kafka, or kafka-N
  stop_pidfile "$pidfile" "$name" 20 &
done
wait
