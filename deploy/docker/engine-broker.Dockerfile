# Codeur engine broker: the only process that talks to the container engine's socket in compose and Helm. It
# admits the Engine API calls the runner makes, on the runner's containers only, and forwards create bodies it
# serialised itself from an allowlist model (engine-broker/, docs/SECURITY.md "Engine broker").
#
# Multi-stage like the service images; both base images are build arguments. Build from the repository root:
#
#   docker build -f deploy/docker/engine-broker.Dockerfile --build-arg SDK_IMAGE=codeur/dotnet-sdk:10.0 \
#     --build-arg BASE_IMAGE=codeur/base-debian:bookworm -t codeur/engine-broker:latest .
#
# Runs as uid 10082 with no capabilities and a read-only root; give it the engine socket's group (compose:
# group_add DOCKER_GID) and the projects directory read-only at the same path as on the host (it checks bind
# sources for symbolic links). Configuration: CODEUR_BROKER_* (README, "Engine broker").
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${SDK_IMAGE} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY common/Codeur.Common.csproj common/
COPY engine-broker/Codeur.EngineBroker.csproj engine-broker/
RUN dotnet restore engine-broker/Codeur.EngineBroker.csproj -r linux-x64 -p:SelfContained=true -p:PublishSingleFile=true
COPY common/ common/
COPY engine-broker/ engine-broker/
RUN dotnet publish engine-broker/Codeur.EngineBroker.csproj -c Release -r linux-x64 --self-contained --no-restore \
      -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none -o /out \
 && rm -f /out/*.pdb /out/appsettings.Development.json

FROM ${BASE_IMAGE}
# Identical to the service images' first layer, so it is built once and shared.
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends libssl3 ca-certificates; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log; \
    find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
RUN groupadd --gid 10082 codeur-broker \
 && useradd --uid 10082 --gid 10082 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --no-log-init codeur-broker
COPY deploy/docker/healthcheck /usr/local/bin/codeur-healthcheck
COPY --from=build /out/ /app/
ENV CODEUR_BROKER_LISTEN=tcp:0.0.0.0:2375 \
    CODEUR_BROKER_ENGINE_SOCKET=/var/run/docker.sock \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    CODEUR_HEALTH_PORT=2375 \
    CODEUR_HEALTH_PATH=/_broker/health
LABEL org.opencontainers.image.title=codeur-engine-broker
USER 10082:10082
EXPOSE 2375
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/codeur-healthcheck"]
ENTRYPOINT ["/app/Codeur.EngineBroker"]
