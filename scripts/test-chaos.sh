#!/usr/bin/env bash
# `npm run test:chaos`: every chaos scenario (workers, the broker, one node of a three-node cluster, Redis,
# each broken under load), one at a time. Scenarios start brokers and a Redis of their own on free ports,
# so they need redis-server besides what `npm test` needs. Takes several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
if ! command -v redis-server >/dev/null; then
  echo "[chaos] installing Debian's redis-server" >&2
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq redis-server) >&2
fi
exec npx vitest run --project chaos "$@"
