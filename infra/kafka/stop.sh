#!/usr/bin/env bash
# Stops the broker that infra/kafka/start.sh started (and nothing else). Harmless when none runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib.sh"
# A controlled shutdown takes a few seconds; give it 20 before forcing.
stop_pidfile "$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/kafka/kafka.pid" kafka 20
