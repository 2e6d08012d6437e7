#!/usr/bin/env bash
# Brings up what Syndicate needs: a Kafka broker, or with KAFKA_NODES=3 a three-node cluster (unless
# KAFKA_BROKERS points elsewhere), and Redis.
# Prints, on stdout, one line per part that this call started ("kafka", "redis"), so the caller knows
# what to stop later: parts that were already running are left alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/.data}")"
export SYNDICATE_DATA_DIR="$data"

# The pids of our Kafka node(s): the single node's, or (KAFKA_NODES=3) each cluster node's in kafka-N.
started_kafka() { cat "$data/kafka/kafka.pid" "$data"/kafka-[0-9]*/kafka.pid 2>/dev/null | tr '\n' ' '; }
started_redis() { [[ -f "$data/redis/redis.pid" ]] && cat "$data/redis/redis.pid"; }

# The addresses infra/kafka/start.sh serves: KAFKA_PORT, and for three nodes the next two even ports too.
local_brokers="127.0.0.1:${KAFKA_PORT:-9092}"
[[ "${KAFKA_NODES:-1}" == 3 ]] && local_brokers+=",127.0.0.1:$((${KAFKA_PORT:-9092} + 2)),127.0.0.1:$((${KAFKA_PORT:-9092} + 4))"

if [[ -z "${KAFKA_BROKERS:-}" || "${KAFKA_BROKERS}" == "$local_brokers" ]]; then
  before="$(started_kafka || true)"
  bash "$here/kafka/start.sh"
  after="$(started_kafka || true)"
  [[ -n "$after" && "$after" != "$before" ]] && echo kafka
else
  echo "[kafka] using KAFKA_BROKERS=$KAFKA_BROKERS" >&2
fi
before="$(started_redis || true)"
bash "$here/redis/start.sh"
after="$(started_redis || true)"
[[ -n "$after" && "$after" != "$before" ]] && echo redis
exit 0
