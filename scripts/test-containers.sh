#!/usr/bin/env bash
# `npm run test:containers`: builds the images with podman (../shared/CONTAINERS.md's recipe), brings the
# compose stack up (three Kafka nodes, Redis, the four services), runs tests/containers against it (the seed's
# journey; a Kafka node and a worker container killed under load), and takes it down again, volumes included.
# Not part of `npm test`: the first run takes ~10 minutes (a Debian base made with debootstrap, image builds),
# later ones ~4. Needs root, podman, podman-compose and debootstrap (installed from Debian when missing).
#
# Without a registry the official base images cannot be pulled: unless NODE_BASE_IMAGE (and JRE_BASE_IMAGE,
# REDIS_IMAGE) name images that exist, local stand-ins are built (infra/container/stand-in-base.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
say() { echo "[containers] $*" >&2; }

bash scripts/ensure-deps.sh
bash scripts/ensure-build.sh
missing=()
for tool in podman podman-compose debootstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  say "installing ${missing[*]} from Debian"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq podman runc podman-compose debootstrap) >&2
fi
export CONTAINERS_CONF="$root/infra/container/containers.conf"

if [[ -z "${NODE_BASE_IMAGE:-}" ]]; then
  bash infra/container/stand-in-base.sh
  export NODE_BASE_IMAGE=localhost/syndicate-node-base JRE_BASE_IMAGE=localhost/syndicate-jre-base REDIS_IMAGE=localhost/syndicate-redis
fi
bash infra/kafka/resolve-jars.sh

started=$SECONDS
say "building localhost/syndicate:dev on $NODE_BASE_IMAGE"
podman build --network host -q --build-arg "BASE_IMAGE=$NODE_BASE_IMAGE" -t localhost/syndicate:dev -f Containerfile . >/dev/null
say "building localhost/syndicate-kafka:dev on $JRE_BASE_IMAGE"
podman build --network host -q --build-arg "BASE_IMAGE=$JRE_BASE_IMAGE" -t localhost/syndicate-kafka:dev -f infra/container/kafka.Containerfile infra >/dev/null
say "images built in $((SECONDS - started)) s: $(podman image inspect localhost/syndicate:dev --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}') (syndicate), $(podman image inspect localhost/syndicate-kafka:dev --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}') (kafka)"

# A stack of its own: project name, ports and secrets made for this run.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
export COMPOSE_PROJECT_NAME="syndicate-test-$$"
API_PORT=$(free_port) KAFKA_HOST_PORT_1=$(free_port) KAFKA_HOST_PORT_2=$(free_port) KAFKA_HOST_PORT_3=$(free_port)
export API_PORT KAFKA_HOST_PORT_1 KAFKA_HOST_PORT_2 KAFKA_HOST_PORT_3
export SYNDICATE_ADMIN_TOKEN="test-$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")"
export SYNDICATE_SECRET_KEY="test1:$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")"
export PUBLIC_BASE_URL="http://127.0.0.1:$API_PORT"
# The test's webhook receiver listens on the host, which containers reach through the bridge's gateway: a
# private address, so it must be allowed explicitly (as an operator would for an internal endpoint).
export SYNDICATE_WEBHOOK_ALLOWLIST="10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
export LOG_LEVEL=warn

compose() { podman-compose -p "$COMPOSE_PROJECT_NAME" -f compose.yaml "$@"; }
logs="$root/infra/.data/container/logs"
down() {
  # Every container's log, for reading after a failure.
  rm -rf "$logs" && mkdir -p "$logs"
  for name in $(podman ps -a --filter "label=io.podman.compose.project=$COMPOSE_PROJECT_NAME" --format '{{.Names}}'); do
    podman logs "$name" >"$logs/$name.log" 2>&1 || true
  done
  say "container logs in ${logs#"$root/"}; taking the stack down"
  compose down -v >/dev/null 2>&1 || true
}
trap down EXIT
say "starting the stack ($COMPOSE_PROJECT_NAME, API on 127.0.0.1:$API_PORT)"
compose up -d >/dev/null 2>&1
npx vitest run --project containers "$@"
