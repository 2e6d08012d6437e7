#!/usr/bin/env bash
# Stops the redis-server that infra/redis/start.sh started (and no other). Harmless when none runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pidfile="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/redis/redis.pid"
[[ -f "$pidfile" ]] || exit 0
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$pidfile"
echo "[redis] stopped" >&2
