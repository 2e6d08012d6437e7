#!/usr/bin/env bash
# `npm start`: install what is missing, then hand the process over to the supervisor (exec, so Ctrl-C and
# SIGTERM reach it directly).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-build.sh
exec node dist/start.js
