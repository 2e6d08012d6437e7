#!/usr/bin/env bash
# Stops the redis-server that infra/redis/start.sh started (and no other). Harmless when none runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib.sh"
stop_pidfile "$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/redis/redis.pid" redis 5
