#!/usr/bin/env bash
# Uses the Redis at REDIS_URL when it answers (the services check its settings at start: they refuse one that
# evicts keys, and warn if it persists nothing); otherwise starts Debian's redis-server (installing it if
# missing) on that port, data under infra/.data/redis, durable as the services need it: every write appended to
# the AOF and flushed to disk each second (at most a second of writes lost if the machine dies, none if only
# Redis does), no RDB snapshots, and no eviction (a full Redis refuses writes rather than drop queued work).
# Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$(realpath -m "${SYNDICATE_DATA_DIR:-$here/../.data}")/redis"
url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#redis://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%:*}"; port="${hostport##*:}"
[[ "$host" == "$port" ]] && port=6379

say() { echo "[redis] $*" >&2; }

pong() { # speaks RESP over bash's /dev/tcp so redis-cli need not exist
  local reply
  reply="$( (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 7 <&3) 2>/dev/null)" || return 1
  [[ "$reply" == +PONG* || "$reply" == -NOAUTH* ]]
}

if pong; then say "using the Redis at $host:$port"; exit 0; fi
if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
  say "nothing answers at $host:$port, and it is not this machine: start it yourself"; exit 1
fi
if ! command -v redis-server >/dev/null; then
  say "installing Debian's redis-server"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq redis-server) >&2
fi
mkdir -p "$data"
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$data" \
  --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
  --pidfile "$data/redis.pid" --logfile "$data/redis.log"
for ((i = 0; i < 50; i++)); do
  if pong; then say "started on $host:$port (AOF, fsync every second, noeviction; data in $data)"; exit 0; fi
  sleep 0.1
done
say "did not answer after start; see $data/redis.log"; exit 1
