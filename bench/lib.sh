# shellcheck shell=bash
# Helpers shared by bench/*/run.sh (sourced, not run). The caller sets TMP before publish_services and keeps the
# pids of the processes it starts in the PIDS array.

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# install_missing PACKAGE... : apt-get installs the given Debian packages (the caller lists only missing ones).
install_missing() {
  [ $# -gt 0 ] || return 0
  log "installing $*"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# require_free_ports PORT... : dies naming the first port something already listens on.
require_free_ports() {
  local port
  for port in "$@"; do
    if ss -Hltn "sport = :$port" | grep -q .; then die "port $port is in use (set PORT_BASE)"; fi
  done
}

# stop_pids [TENTHS] : SIGTERM every pid in PIDS, waits up to TENTHS/10 s for each (default 10 s), then SIGKILL.
stop_pids() {
  local pid wait=${1:-100}
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 "$wait"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# publish_services DIR PROJECT... : dotnet publish (Release) each project folder of the repo to DIR/PROJECT;
# --artifacts-path keeps bin/obj out of the source tree.
publish_services() {
  local dir=$1 project; shift
  log "publishing $* (Release) to $dir"
  for project in "$@"; do
    (cd "$REPO" && dotnet publish "$project" -c Release -o "$dir/$project" \
      --artifacts-path "$TMP/artifacts" -nologo -v quiet) >>"$TMP/publish.log" 2>&1 \
      || { tail -30 "$TMP/publish.log" >&2; die "dotnet publish $project failed"; }
  done
}

# wait_health URL NAME PID [TRIES] : polls URL every 0.2 s (TRIES times, default 150) until it answers 2xx; dies with the
# tail of $TMP/NAME.out when PID exits first or time runs out.
wait_health() {
  local tries=${4:-150}
  for _ in $(seq 1 "$tries"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { tail -30 "$TMP/$2.out" >&2; die "$2 exited during start-up"; }
    sleep 0.2
  done
  tail -30 "$TMP/$2.out" >&2; die "$2 not healthy on $1"
}
