#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json. npm 11 runs no
# install scripts of dependencies; nothing here needs them (esbuild and turbo ship their binaries as
# optional platform packages, msgpackr falls back to plain JS).
set -euo pipefail
cd "$(dirname "$0")/.."
marker=node_modules/.package-lock.json
if [[ ! -f "$marker" || package-lock.json -nt "$marker" ]]; then
  echo "[deps] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
