#!/bin/bash
# Build the egress proxy image without a registry: FROM the local Debian
# stand-in (deploy/sandbox/seed-base-image.sh seeds it when missing), squid
# installed from Debian's mirror during the build.
#
#   deploy/egress-proxy/build-offline.sh [--force] [TAG]   (default TAG: codeur/egress-proxy:latest)
#
# Idempotent: an image whose inputs label matches is kept (--force rebuilds).
set -Eeuo pipefail
readonly PROG=build-egress-proxy
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

FORCE=0 TAG=
while (($#)); do
  case $1 in
    --force | -f) FORCE=1 ;;
    -*) die "unknown option: $1" ;;
    *) [[ -z $TAG ]] || die "more than one TAG given"; TAG=$1 ;;
  esac
  shift
done
TAG=${TAG:-codeur/egress-proxy:latest}
DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly BASE=${CODEUR_BASE_IMAGE:-codeur/base-debian:bookworm}
readonly HASH_LABEL=io.codeur.egress-proxy.inputs

docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine"
docker image inspect "$BASE" >/dev/null 2>&1 || "$DIR/../sandbox/seed-base-image.sh" "$BASE"

HASH=$({ sha256sum <"$DIR/Dockerfile"; sha256sum <"$DIR/codeur-egress-proxy"; docker image inspect -f '{{.Id}}' "$BASE"; } | sha256sum | cut -d' ' -f1)
if ((!FORCE)) && [[ $(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$TAG" 2>/dev/null || true) == "$HASH" ]]; then
  echo "image $TAG already present (inputs unchanged, ${HASH:0:12}); use --force to rebuild"
  exit 0
fi

START=$SECONDS
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$BASE" --label "$HASH_LABEL=$HASH" -t "$TAG" "$DIR" >/dev/null ||
  die "docker build failed"
echo "built $TAG in $((SECONDS - START))s"
