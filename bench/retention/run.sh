#!/usr/bin/env bash
# Retention soak: tasks keep flowing through the real store while the real pruner runs on short periods (tasks 20 s,
# outputs and dedupe keys 8 s, every 2 s); the store's size is sampled, against a baseline arm with retention off in
# the same run. Usage: bench/retention/run.sh [sqlite|redis] [SECONDS] [OUTPUT_KIB]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
source bench/lib.sh
backend=${1:-sqlite}
seconds=${2:-60}
kib=${3:-64}
TMP=$(mktemp -d /tmp/codeur-retention-XXXXXX)
PIDS=()
trap 'stop_pids 20; rm -rf "$TMP"' EXIT

connection=""
if [ "$backend" = redis ]; then
  command -v redis-server >/dev/null || install_missing redis-server
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  connection="127.0.0.1:$port"
fi

log "building the soak (Release)"
dotnet build bench/retention/RetentionSoak/RetentionSoak.csproj -c Release -nologo -v q \
  --artifacts-path "$TMP/artifacts" >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; die "build failed"; }
log "soak: $backend, ${seconds} s per arm, ${kib} KiB outputs, $(nproc) cores"
dotnet "$TMP/artifacts/bin/RetentionSoak/release/RetentionSoak.dll" "$backend" "$seconds" "$kib" "$TMP" $connection
