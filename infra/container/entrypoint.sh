#!/bin/sh
# The image's entry point: the first argument chooses what runs; exec, so the process gets SIGTERM directly.
set -e
case "${1:-api}" in
  api | enricher | fanout | delivery)
    exec node --enable-source-maps "/app/dist/$1.js" ;;
  syndicate)
    shift
    exec node "/app/dist/syndicate.js" "$@" ;;
  *)
    echo "usage: api | enricher | fanout | delivery | syndicate [ARGS...]" >&2
    exit 2 ;;
esac
