#!/usr/bin/env bash
# Uses the Redis at REDIS_URL when it answers; otherwise starts Debian's redis-server (installing it if
# missing) on that port with AOF on, data under infra/.data/redis. Idempotent.
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
  --appendonly yes --save "" --maxmemory-policy noeviction \
  --pidfile "$data/redis.pid" --logfile "$data/redis.log"
for ((i = 0; i < 50; i++)); do
  if pong; then say "started on $host:$port (AOF on, data in $data)"; exit 0; fi
  sleep 0.1
done
say "did not answer after start; see $data/redis.log"; exit 1
