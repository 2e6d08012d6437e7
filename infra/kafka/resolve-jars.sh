#!/usr/bin/env bash
# Resolves Apache Kafka's jars (infra/kafka/pom.xml) off Maven Central into infra/kafka/lib, once: the broker
# start.sh runs, and the broker image (infra/container/kafka.Containerfile) copies them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -f "$here/lib/.resolved" ]]; then
  echo "[kafka] resolving the broker's jars from Maven Central (first run only)" >&2
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$here/lib" >&2
  touch "$here/lib/.resolved"
fi
