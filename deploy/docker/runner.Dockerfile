# Codeur Runner image: intake, durable queue, Docker sandbox workers.
#
# Multi-stage: an SDK stage publishes a self-contained single-file binary, the runtime stage is a slim Debian
# with only what .NET needs at run time (libssl3 for TLS, CA certificates). Build from the repository root:
#
#   docker build -f deploy/docker/runner.Dockerfile -t codeur/runner:latest .
#
# Both base images are build arguments. Without a registry (or air-gapped), seed local stand-ins first with
# deploy/docker/seed-images.sh and pass them (deploy/docker/build-images.sh does both):
#
#   docker build -f deploy/docker/runner.Dockerfile --build-arg SDK_IMAGE=codeur/dotnet-sdk:10.0 \
#     --build-arg BASE_IMAGE=codeur/base-debian:bookworm -t codeur/runner:latest .
#
# Runs as uid 10081, needs no capabilities and works with a read-only root filesystem (diagnostics IPC is off,
# so nothing is written outside mounted volumes). Config: $AGENT_CONFIG (default /etc/codeur/agent.yaml).
# Works with the legacy builder (no BuildKit features).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${SDK_IMAGE} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /src
# Restore first, from the project files only, so source edits reuse the restored layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY common/Codeur.Common.csproj common/
COPY runner/Codeur.Runner.csproj runner/
RUN dotnet restore runner/Codeur.Runner.csproj -r linux-x64 -p:SelfContained=true -p:PublishSingleFile=true
COPY common/ common/
COPY runner/ runner/
RUN dotnet publish runner/Codeur.Runner.csproj -c Release -r linux-x64 --self-contained --no-restore \
      -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none -o /out \
 && rm -f /out/*.pdb /out/appsettings.Development.json

FROM ${BASE_IMAGE}
# Identical in both service Dockerfiles, so the layer is built once and shared.
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends libssl3 ca-certificates; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
RUN groupadd --gid 10081 codeur-runner \
 && useradd --uid 10081 --gid 10081 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --no-log-init codeur-runner \
 && install -d -m 0750 -o 10081 -g 10081 /data \
 && install -d -m 0755 /etc/codeur
COPY deploy/docker/healthcheck /usr/local/bin/codeur-healthcheck
COPY --from=build /out/ /app/
ENV AGENT_CONFIG=/etc/codeur/agent.yaml \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    CODEUR_HEALTH_PORT=8081 \
    CODEUR_HEALTH_PATH=/health
LABEL org.opencontainers.image.title=codeur-runner
USER 10081:10081
WORKDIR /data
EXPOSE 8081
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/codeur-healthcheck"]
ENTRYPOINT ["/app/Codeur.Runner"]
