#!/usr/bin/env bash
# Stops the broker that infra/kafka/start.sh started (and nothing else). Harmless when none runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pidfile="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/kafka/kafka.pid"
[[ -f "$pidfile" ]] || exit 0
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  # A controlled shutdown takes a few seconds; give it 20 before forcing.
  for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$pidfile"
echo "[kafka] stopped" >&2
