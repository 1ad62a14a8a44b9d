#!/bin/bash
# Build, offline, the image of a third-party server the tests start through Testcontainers, and print its tag:
#
#   tests/images/build.sh SERVER        SERVER: redis (deploy/docker/redis), prometheus (tests/images/prometheus)
#
# The tag is codeur/test-SERVER:<hash of the build context and the base image's id>, so an unchanged build is
# skipped ("already present") and a changed one gets a new tag. The base is the local stand-in for
# debian:bookworm-slim (deploy/sandbox/seed-base-image.sh seeds it when missing; that needs root). Packages come
# from Debian's mirror inside the build. The last line printed is the tag; tests/run.sh exports it as
# CODEUR_TEST_IMAGE_SERVER, and tests/Shared/TestContainers.cs runs this script itself when that is unset.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

readonly BASE=${CODEUR_BASE_IMAGE:-codeur/base-debian:bookworm}
die() { printf 'tests/images/build.sh: error: %s\n' "$*" >&2; exit 1; }

server=${1:-}
case $server in
  redis) context=deploy/docker/redis ;;
  prometheus) context=tests/images/prometheus ;;
  *) die "usage: $0 SERVER (redis, prometheus)" ;;
esac

docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  [ "$BASE" = codeur/base-debian:bookworm ] || die "base image $BASE is missing"
  deploy/sandbox/seed-base-image.sh "$BASE" >&2
fi

base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
hash=$( (cd "$context" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$base_id") | sha256sum | cut -c1-16)
tag=codeur/test-$server:$hash
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "image $tag already present" >&2
else
  start=$SECONDS
  echo "building $tag from $context on $BASE" >&2
  docker build -q --build-arg BASE_IMAGE="$BASE" --label "$(printf 'io.codeur.test.image=%s' "$server")" -t "$tag" "$context" >/dev/null
  echo "built $tag in $((SECONDS - start))s" >&2
fi
echo "$tag"
