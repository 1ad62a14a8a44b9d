#!/bin/bash
# Build every image the deployment uses, without a registry, and report their sizes:
#   codeur/gateway, codeur/runner, codeur/engine-broker (and codeur/redis with --redis) from deploy/docker/,
#   codeur/sandbox from deploy/sandbox/ (built offline when missing).
#
#   deploy/docker/build-images.sh [--redis] [--tag TAG]        (TAG default: latest)
#
# Seeds the local base images first (deploy/docker/seed-images.sh). With a registry, plain
# `docker-compose build` does the same from debian:bookworm-slim and mcr.microsoft.com/dotnet/sdk:10.0.
# Layers are cached by the engine: a second run with unchanged sources takes seconds.
# Environment: CODEUR_BASE_IMAGE, CODEUR_SDK_IMAGE (defaults: the seeded local images).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

tag=latest redis=0
while (($#)); do
  case $1 in
    --redis) redis=1 ;;
    --tag) tag=$2; shift ;;
    *) echo "usage: $0 [--redis] [--tag TAG]" >&2; exit 2 ;;
  esac
  shift
done

base=${CODEUR_BASE_IMAGE:-codeur/base-debian:bookworm}
sdk=${CODEUR_SDK_IMAGE:-codeur/dotnet-sdk:10.0}
if [ -z "${CODEUR_BASE_IMAGE:-}${CODEUR_SDK_IMAGE:-}" ]; then deploy/docker/seed-images.sh >&2; fi
deploy/sandbox/build-offline.sh codeur/sandbox:latest >&2

build() { # name dockerfile context
  local start=$SECONDS
  echo "==> building codeur/$1:$tag" >&2
  docker build -q -f "$2" --build-arg BASE_IMAGE="$base" --build-arg SDK_IMAGE="$sdk" -t "codeur/$1:$tag" "$3" >/dev/null
  echo "    codeur/$1:$tag in $((SECONDS - start))s" >&2
}
build gateway deploy/docker/gateway.Dockerfile .
build runner deploy/docker/runner.Dockerfile .
build engine-broker deploy/docker/engine-broker.Dockerfile .
images=(gateway runner engine-broker sandbox)
if ((redis)); then build redis deploy/docker/redis/Dockerfile deploy/docker/redis; images+=(redis); fi

echo "image sizes:"
for name in "${images[@]}"; do
  t=$tag; [ "$name" = sandbox ] && t=latest
  size=$(docker image inspect -f '{{.Size}}' "codeur/$name:$t")
  printf '  %-28s %4d MB\n' "codeur/$name:$t" "$((size / 1000000))"
done
