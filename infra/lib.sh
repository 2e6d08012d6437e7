# Shared by the infra scripts (sourced, not run).

# stop_pidfile FILE NAME SECONDS: TERM the process in FILE, wait up to SECONDS, then KILL; remove FILE.
stop_pidfile() {
  local pidfile="$1" name="$2" seconds="$3" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for ((i = 0; i < seconds * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$pidfile"
  echo "[$name] stopped" >&2
}
