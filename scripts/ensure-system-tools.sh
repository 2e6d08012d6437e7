#!/usr/bin/env bash
# Outside checkers the tests use: xmllint (feed well-formedness), Debian's python3-feedparser (what feed
# readers see), kcat (a Kafka client nobody on the team wrote) and chromium (the console's browser tests drive
# it with playwright-core; nothing downloads a browser). Installed from Debian's packages when missing.
set -euo pipefail
missing=()
command -v xmllint >/dev/null || missing+=(libxml2-utils)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || missing+=(python3-feedparser)
command -v kcat >/dev/null || missing+=(kcat)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
((${#missing[@]})) || exit 0
echo "[tools] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq "${missing[@]}") >&2
