#!/usr/bin/env bash
# Outside checkers the feed tests use: xmllint (well-formedness) and Debian's python3-feedparser (what
# feed readers see). Installed from Debian's packages when missing.
set -euo pipefail
missing=()
command -v xmllint >/dev/null || missing+=(libxml2-utils)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || missing+=(python3-feedparser)
((${#missing[@]})) || exit 0
echo "[tools] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq "${missing[@]}") >&2
