#!/usr/bin/env bash
# Stops the parts named as arguments (default: both) — only those infra/up.sh started itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export SYNDICATE_DATA_DIR="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/.data}")"
parts=("$@"); ((${#parts[@]})) || parts=(kafka redis)
for part in "${parts[@]}"; do bash "$here/$part/stop.sh"; done
