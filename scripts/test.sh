#!/usr/bin/env bash
# `npm test`: install what is missing, lint, type-check every workspace, then run every test (the
# integration project starts Kafka and Redis itself if they are not running). Arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-system-tools.sh
bash scripts/ensure-build.sh
export TURBO_TELEMETRY_DISABLED=1
echo "[test] lint (biome, and the layering rules: dependency-cruiser)" >&2
npm run lint --silent
echo "[test] type check" >&2
npx tsc -p tsconfig.json --noEmit
npx turbo run typecheck --output-logs=errors-only
echo "[test] unit, integration and end-to-end tests" >&2
# The slow chaos scenarios have a command of their own: npm run test:chaos.
exec npx vitest run --project unit --project integration "$@"
