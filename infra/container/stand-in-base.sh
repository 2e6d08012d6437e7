#!/usr/bin/env bash
# Builds local stand-ins for the official base images, for machines that cannot pull from a registry
# (this one): a minimal Debian bookworm made with debootstrap, then
#   localhost/syndicate-node-base   Debian + this machine's Node 20 and npm   (for node:20-bookworm-slim)
#   localhost/syndicate-jre-base    Debian + openjdk-17-jre-headless          (for eclipse-temurin:17-jre)
#   localhost/syndicate-redis       Debian + redis-server                     (for redis:7-bookworm)
# Each is built once and kept; delete it (podman rmi) to rebuild. Needs root, debootstrap and podman.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
work="$(realpath -m "$here/../.data/container")"
say() { echo "[stand-in] $*" >&2; }
have() { podman image exists "$1"; }

if ! have localhost/debian-min; then
  say "debootstrap a minimal Debian bookworm (about a minute)"
  # debootstrap mounts proc inside the tree while it installs; an interrupted run leaves it mounted.
  umount "$work/rootfs/proc" 2>/dev/null || true
  rm -rf "$work/rootfs" && mkdir -p "$work"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { umount "$work/rootfs/proc" 2>/dev/null || true; tail -20 "$work/debootstrap.log" >&2; exit 1; }
  umount "$work/rootfs/proc" 2>/dev/null || true
  tar -C "$work/rootfs" --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . | podman import - localhost/debian-min >/dev/null
  rm -rf "$work/rootfs"
fi

build() { # build TAG  (Containerfile on stdin, context $work/ctx)
  say "building $1"
  podman build --network host -q -t "$1" -f - "$work/ctx" >/dev/null
}
mkdir -p "$work/ctx"
if ! have localhost/syndicate-node-base; then
  # Debian's nodejs is 18: copy this machine's Node 20 and the npm that came with it.
  cp "$(command -v node)" "$work/ctx/node"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$work/ctx/npm"
  # And the certificate authorities this machine added (an egress proxy that re-signs TLS, as here, needs
  # them for npm ci inside a build); none on a machine without any.
  mkdir -p "$work/ctx/ca" && cp /usr/local/share/ca-certificates/*.crt "$work/ctx/ca/" 2>/dev/null || true
  build localhost/syndicate-node-base <<'CF'
FROM localhost/debian-min
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libstdc++6 && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
CF
  rm -rf "$work/ctx/node" "$work/ctx/npm" "$work/ctx/ca"
fi
if ! have localhost/syndicate-jre-base; then
  build localhost/syndicate-jre-base <<'CF'
FROM localhost/debian-min
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*
CF
fi
if ! have localhost/syndicate-redis; then
  build localhost/syndicate-redis <<'CF'
FROM localhost/debian-min
RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*
CMD ["redis-server"]
CF
fi
say "stand-in base images ready"
