#!/bin/bash
# Builds the S3-compatible test server image offline (see Dockerfile):
#   tests/tools/s3-server/build.sh [TAG]     TAG default: codeur/s3-server:<content hash>
# The npm package is installed on the host into a cache (CODEUR_S3RVER_CACHE); the tag is a hash of the
# package version, the staged files, this recipe and the base image, so an unchanged build is skipped.
# The last line printed is the tag.
set -Eeuo pipefail

readonly PROG=build-s3-server
DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly DIR
readonly CACHE=${CODEUR_S3RVER_CACHE:-/var/cache/codeur-s3rver}
readonly BASE=${CODEUR_S3_SERVER_BASE_IMAGE:-codeur/base-debian:bookworm}
readonly PACKAGE=s3rver VERSION=3.7.1

log() { printf '%s: [%3ds] %s\n' "$PROG" "$SECONDS" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required on the host"
docker image inspect "$BASE" >/dev/null 2>&1 || "$DIR/../../../deploy/sandbox/seed-base-image.sh" "$BASE" >&2

staging=$CACHE/$PACKAGE-$VERSION
if [[ ! -f $staging/.complete ]]; then
  log "npm install $PACKAGE@$VERSION into $staging"
  rm -rf -- "$staging"
  mkdir -p -- "$staging"
  npm install --prefix "$staging" --no-audit --no-fund --omit=dev --loglevel=error "$PACKAGE@$VERSION" >&2
  touch "$staging/.complete"
fi
[[ -f $staging/node_modules/s3rver/bin/s3rver.js ]] || die "$PACKAGE@$VERSION did not install bin/s3rver.js"

base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
digest=$({
  printf '%s\n' "$PACKAGE@$VERSION" "$base_id"
  sha256sum "$DIR/Dockerfile" "$DIR/serve.js" "$0" | cut -d' ' -f1
  (cd "$staging" && find node_modules -type f -print0 | sort -z | xargs -0 sha256sum)
} | sha256sum | cut -c1-16)
TAG=${1:-codeur/s3-server:$digest}

if [[ $(docker image inspect -f '{{index .Config.Labels "io.codeur.s3-server.inputs"}}' "$TAG" 2>/dev/null || true) == "$digest" ]]; then
  log "image $TAG already present"
  echo "$TAG"
  exit 0
fi

context=$(mktemp -d)
trap 'rm -rf -- "$context"' EXIT
cp "$DIR/Dockerfile" "$DIR/serve.js" "$context/"
mkdir -p "$context/s3rver"
cp -a "$staging/node_modules" "$staging/package.json" "$context/s3rver/"
log "docker build $TAG"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$BASE" --label "io.codeur.s3-server.inputs=$digest" -t "$TAG" "$context" >&2
echo "$TAG"
