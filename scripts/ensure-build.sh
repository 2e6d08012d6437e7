#!/usr/bin/env bash
# Builds dist/ (scripts/build.mjs) when it is missing or older than any source it is made from, so
# `npm start`, `npm test` and the `syndicate` bin never run stale JavaScript. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/.built
if [[ -f "$stamp" ]]; then
  newer=$(find packages services scripts package-lock.json \( -name node_modules -o -name dist \) -prune -o \
    -newer "$stamp" \( -name '*.ts' -o -name '*.lua' -o -name '*.json' -o -name '*.mjs' \) -print -quit)
  [[ -z "$newer" ]] && exit 0
fi
node scripts/build.mjs
