#!/bin/bash
# Seed the base images the Dockerfiles build FROM, without any container registry, so that
# deploy/docker/*.Dockerfile and deploy/sandbox/Dockerfile build unchanged here and on air-gapped hosts:
#
#   codeur/base-debian:bookworm   stand-in for debian:bookworm-slim   (deploy/sandbox/seed-base-image.sh: debootstrap)
#   codeur/dotnet-sdk:10.0        stand-in for mcr.microsoft.com/dotnet/sdk:10.0: that base plus this machine's
#                                 .NET SDK (the directory `dotnet` runs from), libssl3 and this machine's CA
#                                 bundle (so `dotnet restore` in a build trusts what this machine trusts, e.g. a
#                                 TLS-inspecting egress proxy's CA)
#
#   deploy/docker/seed-images.sh [--force]
#
# Idempotent: an image that exists is kept (the SDK image is rebuilt when this machine's SDK version changes);
# --force rebuilds the SDK image (the base image has its own: deploy/sandbox/seed-base-image.sh --force). Needs root (debootstrap), a Docker engine, the .NET SDK and Debian's mirror (or a mirror
# given by DEBIAN_MIRROR). For a host with no network at all, run this and build-images.sh on a connected
# machine, then move the images with `docker save | docker load` (docs/DEPLOY.md, "Without a registry, and air-gapped hosts").
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

readonly BASE=codeur/base-debian:bookworm
readonly SDK=codeur/dotnet-sdk:10.0
force=()
[ "${1:-}" = "--force" ] && force=(--force)

deploy/sandbox/seed-base-image.sh "$BASE" >&2

command -v dotnet >/dev/null || { echo "seed-images: the .NET SDK is required (dotnet not on PATH)" >&2; exit 1; }
sdk_version=$(dotnet --version)
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
have=$(docker image inspect -f '{{index .Config.Labels "io.codeur.sdk.version"}}' "$SDK" 2>/dev/null || true)
if [ "$have" = "$sdk_version" ] && [ ${#force[@]} = 0 ]; then
  echo "image $SDK already present (SDK $sdk_version)"
  exit 0
fi

echo "seed-images: building $SDK from $BASE and the SDK in $dotnet_root ($sdk_version)" >&2
start=$SECONDS
# The SDK directory is the build context; the Dockerfile comes from stdin (legacy builder, no BuildKit).
docker build -q -t "$SDK-nocerts" --label "io.codeur.sdk.version=$sdk_version" --build-arg BASE_IMAGE="$BASE" -f - "$dotnet_root" <<'DOCKERFILE' >/dev/null
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates libssl3; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*
COPY . /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    LANG=C.UTF-8
LABEL org.opencontainers.image.title=codeur-dotnet-sdk
DOCKERFILE
ctx=$(mktemp -d)
trap 'rm -rf -- "$ctx"' EXIT
cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
printf 'FROM %s\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n' "$SDK-nocerts" |
  docker build -q -t "$SDK" -f - "$ctx" >/dev/null
docker rmi "$SDK-nocerts" >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$SDK")
echo "built $SDK in $((SECONDS - start))s; image size $((size / 1000000)) MB"
