#!/usr/bin/env bash
# storage.s3: the cost of recording an ending (upload + store write) and the store's size, inline vs S3, same run,
# against the S3-compatible test server (s3rver, tests/tools/s3-server). Usage: bench/storage/run.sh [TASKS] [OUTPUT_KIB]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
tasks=${1:-300}
kib=${2:-256}
TMP=$(mktemp -d /tmp/codeur-storage-bench-XXXXXX)
cid=
trap '[ -n "$cid" ] && docker rm -f "$cid" >/dev/null; rm -rf "$TMP"' EXIT

image=${CODEUR_S3_SERVER_IMAGE:-$(tests/tools/s3-server/build.sh | tail -1)}
key=AKBENCH$RANDOM secret=$(head -c 24 /dev/urandom | base64 | tr '/+' 'xy')
cid=$(docker run -d --label codeur.bench=storage -e S3_ACCESS_KEY_ID="$key" -e S3_SECRET_ACCESS_KEY="$secret" \
  -e S3_BUCKETS=bench-outputs -p 127.0.0.1::4568 "$image")
port=$(docker port "$cid" 4568 | head -1 | cut -d: -f2)
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done

log "building the bench (Release)"
dotnet build bench/storage/StorageBench/StorageBench.csproj -c Release -nologo -v q \
  --artifacts-path "$TMP/artifacts" >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; die "build failed"; }
log "storage bench: $tasks tasks of $kib KiB, inline then s3 ($image), $(nproc) cores"
AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret \
  dotnet "$TMP/artifacts/bin/StorageBench/release/StorageBench.dll" "$tasks" "$kib" "$TMP" "http://127.0.0.1:$port" bench-outputs
