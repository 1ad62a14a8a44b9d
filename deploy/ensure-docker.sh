#!/usr/bin/env bash
# Makes sure a Docker engine answers: reuses a running one; otherwise (as root) installs Debian's docker.io
# if dockerd is missing and starts it without systemd. Idempotent. Used by tests/run.sh and deploy/quickstart.sh.
set -euo pipefail

if docker info >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "no Docker engine reachable and not root: start Docker or add this user to the docker group" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "==> installing docker.io from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "==> starting dockerd (log: /tmp/dockerd.log)" >&2
  setsid dockerd >/tmp/dockerd.log 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
tail -50 /tmp/dockerd.log >&2 || true
echo "dockerd did not start" >&2
exit 1
