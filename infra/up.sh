#!/usr/bin/env bash
# Brings up what Syndicate needs: a Kafka broker (unless KAFKA_BROKERS points elsewhere) and Redis.
# Prints, on stdout, one line per part that this call started ("kafka", "redis"), so the caller knows
# what to stop later: parts that were already running are left alone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/.data}")"
export SYNDICATE_DATA_DIR="$data"

started_kafka() { [[ -f "$data/kafka/kafka.pid" ]] && cat "$data/kafka/kafka.pid"; }
started_redis() { [[ -f "$data/redis/redis.pid" ]] && cat "$data/redis/redis.pid"; }

if [[ -z "${KAFKA_BROKERS:-}" || "${KAFKA_BROKERS}" == "127.0.0.1:${KAFKA_PORT:-9092}" ]]; then
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
