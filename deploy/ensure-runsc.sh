#!/usr/bin/env bash
# Makes gVisor (runsc) available to the local Docker engine, idempotently, without restarting it:
#   - installs Debian's runsc package when the binary is missing (root only);
#   - merges one runtime into /etc/docker/daemon.json, keeping every other key and runtime:
#       runsc   --platform=ptrace --network=none   for containers without a network (every container by default)
#   - reloads dockerd with SIGHUP (running containers keep running) and waits until `docker info` lists it.
# Prints the registered names on success. Exit 0: registered; 1: not possible here (the reason is on stderr).
# Used by tests/run.sh (CI) and deploy/quickstart.sh. Environment: RUNSC_PLATFORM (default ptrace, which works
# everywhere; kvm is faster where /dev/kvm exists), DOCKER_DAEMON_JSON (default /etc/docker/daemon.json).
#
# No network-enabled registration: with Debian 12's runsc (release 20221219) on current kernels, gVisor's own
# network stack does not start ("cannot run with network enabled in root network namespace", gVisor issue 10704)
# and --network=host starts but blocking socket reads fail with EAGAIN. Containers that need the egress network
# stay on runc (sandbox.runtimes: {run: runc}); measured in docs/SECURITY.md.
set -euo pipefail

platform=${RUNSC_PLATFORM:-ptrace}
daemon_json=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
runtimes=(runsc)

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'ensure-runsc: %s\n' "$*" >&2; exit 1; }

registered() { # name: is it in `docker info`, with the binary we expect?
  docker info --format '{{json .Runtimes}}' 2>/dev/null | jq -e --arg n "$1" --arg p "$runsc" '.[$n].path == $p' >/dev/null 2>&1
}

docker info >/dev/null 2>&1 || fail "no Docker engine reachable (deploy/ensure-docker.sh starts one)"
apt_install() {
  [ "$(id -u)" = 0 ] || fail "not root: cannot install $* (install it, or run this as root)"
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v jq >/dev/null 2>&1 || { log "installing jq (to merge $daemon_json)"; apt_install jq; }
if ! command -v runsc >/dev/null 2>&1; then
  log "installing runsc (gVisor) from Debian"
  apt_install runsc
fi
runsc=$(command -v runsc)
runsc=$(readlink -f "$runsc")

all_registered() { for name in "${runtimes[@]}"; do registered "$name" || return 1; done; }
if all_registered; then
  echo "${runtimes[*]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "not root: cannot register runsc in $daemon_json"
pid=$(pgrep -x dockerd || true)
[ -n "$pid" ] && [ "$(wc -w <<<"$pid")" = 1 ] || fail "expected exactly one local dockerd process to reload, found: ${pid:-none}"

# Merge: our runtime replaces a same-named entry; everything else in the file stays as it was.
mkdir -p "$(dirname "$daemon_json")"
current='{}'
if [ -s "$daemon_json" ]; then
  jq -e 'type == "object"' "$daemon_json" >/dev/null 2>&1 || fail "$daemon_json is not a JSON object; fix it by hand first"
  current=$(cat "$daemon_json")
fi
tmp=$(mktemp "$daemon_json.XXXXXX")
trap 'rm -f "$tmp"' EXIT
jq --arg path "$runsc" --arg platform "--platform=$platform" '
  .runtimes = ((.runtimes // {}) + {
    "runsc": {"path": $path, "runtimeArgs": [$platform, "--network=none"]}
  })' <<<"$current" >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$daemon_json"
trap - EXIT

log "registering ${runtimes[*]} in $daemon_json and reloading dockerd (SIGHUP, no restart)"
kill -HUP "$pid"
for _ in $(seq 1 60); do
  if all_registered; then
    echo "${runtimes[*]}"
    exit 0
  fi
  sleep 0.5
done
fail "dockerd did not list ${runtimes[*]} after the reload (is $daemon_json the file this dockerd reads? see its log)"
