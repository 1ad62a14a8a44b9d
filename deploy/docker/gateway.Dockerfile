# Codeur Gateway image: the edge (TLS, authentication, rate limits, YARP).
#
# Multi-stage: an SDK stage publishes a self-contained single-file binary, the runtime stage is a slim Debian
# with only what .NET needs at run time (libssl3 for TLS, CA certificates). Build from the repository root:
#
#   docker build -f deploy/docker/gateway.Dockerfile -t codeur/gateway:latest .
#
# Both base images are build arguments. Without a registry (or air-gapped), seed local stand-ins first with
# deploy/docker/seed-images.sh and pass them (deploy/docker/build-images.sh does both):
#
#   docker build -f deploy/docker/gateway.Dockerfile --build-arg SDK_IMAGE=codeur/dotnet-sdk:10.0 \
#     --build-arg BASE_IMAGE=codeur/base-debian:bookworm -t codeur/gateway:latest .
#
# Runs as uid 10080, needs no capabilities and works with a read-only root filesystem (diagnostics IPC is off,
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
COPY gateway/Codeur.Gateway.csproj gateway/
RUN dotnet restore gateway/Codeur.Gateway.csproj -r linux-x64 -p:SelfContained=true -p:PublishSingleFile=true
COPY common/ common/
COPY gateway/ gateway/
RUN dotnet publish gateway/Codeur.Gateway.csproj -c Release -r linux-x64 --self-contained --no-restore \
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
RUN groupadd --gid 10080 codeur-gateway \
 && useradd --uid 10080 --gid 10080 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --no-log-init codeur-gateway \
 && install -d -m 0750 -o 10080 -g 10080 /data \
 && install -d -m 0755 /etc/codeur
COPY deploy/docker/healthcheck /usr/local/bin/codeur-healthcheck
COPY --from=build /out/ /app/
ENV AGENT_CONFIG=/etc/codeur/agent.yaml \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    CODEUR_HEALTH_PORT=8080 \
    CODEUR_HEALTH_PATH=/health/live
LABEL org.opencontainers.image.title=codeur-gateway
USER 10080:10080
WORKDIR /data
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/codeur-healthcheck"]
ENTRYPOINT ["/app/Codeur.Gateway"]
