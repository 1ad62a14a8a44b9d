#!/bin/bash
# Build an agent image without a registry:
#   1. the Debian stand-in (deploy/sandbox/seed-base-image.sh) if missing,
#   2. codeur/sandbox:debian from deploy/sandbox/Dockerfile (the sandbox with apt),
#   3. the agent's recipe FROM it.
#
#   deploy/agents/build.sh AGENT [TAG]     AGENT: claude-code codex aider gemini openhands
#                                          TAG default: codeur/agent-AGENT:latest
#
# Needs the Docker engine and, during the build, Debian's mirror plus the agent's
# package registry (npm or PyPI). Then set sandbox.image to TAG.
set -Eeuo pipefail
die() { printf 'build-agent: error: %s\n' "$*" >&2; exit 1; }
DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
AGENT=${1:-}
[[ -n $AGENT && -f $DIR/$AGENT/Dockerfile ]] || die "usage: $0 AGENT [TAG] (one of: $(cd "$DIR" && ls -d */ | tr -d / | tr '\n' ' '))"
TAG=${2:-codeur/agent-$AGENT:latest}
BASE=${CODEUR_BASE_IMAGE:-codeur/base-debian:bookworm}

docker image inspect "$BASE" >/dev/null 2>&1 || "$DIR/../sandbox/seed-base-image.sh" "$BASE"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$BASE" -t codeur/sandbox:debian "$DIR/../sandbox" >/dev/null
DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE=codeur/sandbox:debian -t "$TAG" "$DIR/$AGENT"
echo "built $TAG; set webhook.sandbox.image: \"$TAG\" and webhook.sandbox.agent: $AGENT"
