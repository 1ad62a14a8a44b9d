#!/usr/bin/env bash
# Per-task sandbox overhead: our engine (create, verify, attach, start, wait, inspect, remove of `true`) versus
# `docker run --rm` with the same flags, and the same cycle through the engine broker; arms rotated each round; then
# runc vs gVisor (runsc) for the bare cycle and a small task. Usage: bench/sandbox/run.sh [ROUNDS] [IMAGE] [GVISOR_RUNTIME=runsc]
# Needs a running Docker engine and the sandbox image (deploy/sandbox/build-offline.sh builds it offline).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-20}
image=${2:-codeur/sandbox:latest}
docker info >/dev/null 2>&1 || { echo "Docker engine not reachable" >&2; exit 1; }
docker image inspect "$image" >/dev/null 2>&1 || {
  echo "image $image missing: build it with deploy/sandbox/build-offline.sh $image" >&2; exit 1; }
echo "engine: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(nproc) cores" >&2
dotnet build bench/sandbox/SandboxBench/SandboxBench.csproj -c Release -nologo -v q >&2
exec dotnet bench/sandbox/SandboxBench/bin/Release/net10.0/SandboxBench.dll "$rounds" "$image" "${3:-runsc}"
